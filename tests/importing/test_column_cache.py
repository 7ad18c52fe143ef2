"""The header cache keeps only header-sized keys: a sender's megabyte key is looked up, not kept."""

from bufdir_reporting.importing import columns


def test_a_long_key_is_looked_up_but_not_cached() -> None:
    before = columns._column_for.cache_info().currsize
    huge = "x" * 1_000_000
    assert columns.column_for(huge) is None
    assert columns.column_for(huge + "y") is None
    assert columns._column_for.cache_info().currsize == before


def test_a_padded_name_still_names_its_column() -> None:
    padded = " " * 200 + "Organization ID" + " " * 200
    assert columns.column_for(padded) == columns.column_for("organization_id") is not None
