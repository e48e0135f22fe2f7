"""Build and maintenance tooling for the report: build, notebook execution, bench, generators, new sources.

Kept apart from the report library (``src/stemreport``, which notebooks import) so that editing a tool
never invalidates the notebook cache, and from the Sphinx extension (``_ext/stemreport_sphinx``).
"""
