"""The aggregation engine: a structure's rules become grouped SQL statements (``statements``),
whose rows fold into metrics and field values (``engine``). Reads activities, writes nothing."""
