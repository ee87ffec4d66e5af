"""The paper side of the school node: classes and participants, participant codes, the
encrypted code-to-name protocol, subjects and criteria, results entry/import/export, the
schedule with Moscow deadlines and the upload of the results form.

Storage is its own SQLite file ``school.sqlite`` (WAL) inside the node data dir, so this
subpackage is called by the node CLI and the console
(``cli.register``) without sharing tables with the station/package side.
"""
