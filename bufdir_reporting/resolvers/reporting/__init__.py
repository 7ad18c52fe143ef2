"""Reporting: report records and their files (``records``, ``files``, ``filestore``), rendering
(``render``), and submissions to Bufdir (``submissions``)."""
