"""The aggregation engine (``engine``): a structure's rules become grouped SQL statements
(``statements``, planned in ``plans``), whose rows fold into metrics and field values
(``results``). Reads activities, writes nothing."""
