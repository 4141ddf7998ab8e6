package io.pgrudder.core.routing;

import java.util.Set;

/**
 * Built-in functions (and the type names and keywords that are written like calls) that never
 * write and work on a hot standby. A call to anything else — a user's or an extension's function,
 * {@code nextval}, {@code setval}, {@code txid_current}, advisory locks, {@code pg_notify},
 * {@code lo_*}, {@code set_config} — could write or needs the primary, so the statement is not
 * sent to a replica (pgcat sent {@code SELECT my_writing_function()} there: its bug #887 family).
 * A function missing from this list only costs a read on the primary.
 */
final class ReadOnlyFunctions {
    private ReadOnlyFunctions() {
    }

    /** Words that are followed by "(" in SQL without being a function call. */
    static final Set<String> KEYWORDS = Set.of(
            "in", "exists", "any", "some", "all", "array", "row", "values", "over", "filter", "within",
            "using", "on", "and", "or", "not", "select", "from", "join", "where", "when", "then", "else",
            "case", "by", "having", "as", "lateral", "union", "intersect", "except", "distinct", "is",
            "between", "like", "ilike", "similar", "limit", "offset", "fetch", "group", "order", "partition",
            "rows", "range", "groups", "with", "recursive", "materialized", "escape", "asc", "desc", "nulls",
            "first", "last", "only", "table", "explain", "analyze", "analyse", "verbose", "costs", "buffers",
            "format", "settings", "wal", "timing", "summary", "generic_plan", "unbounded", "preceding",
            "following", "current", "exclude", "ties", "others", "no", "inner", "left", "right", "full",
            "outer", "cross", "natural", "collate", "at", "zone", "default", "null", "true", "false", "to",
            "if", "end", "ordinality", "tablesample", "repeatable", "for", "of", "each", "set", "show");

    /** Type names that take modifiers: numeric(10,2), varchar(20), timestamp(3) ... */
    static final Set<String> TYPES = Set.of(
            "numeric", "decimal", "dec", "varchar", "char", "character", "varying", "bpchar", "bit", "varbit",
            "timestamp", "timestamptz", "time", "timetz", "interval", "float", "nchar", "national");

    static final Set<String> FUNCTIONS = Set.of(
            // aggregates and window functions
            "count", "sum", "avg", "min", "max", "array_agg", "string_agg", "json_agg", "jsonb_agg",
            "json_object_agg", "jsonb_object_agg", "bool_and", "bool_or", "every", "bit_and", "bit_or",
            "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp", "corr", "covar_pop",
            "covar_samp", "regr_slope", "regr_intercept", "percentile_cont", "percentile_disc", "mode",
            "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
            "first_value", "last_value", "nth_value", "xmlagg", "range_agg", "any_value",
            // conditional and comparison
            "coalesce", "nullif", "greatest", "least", "cast", "treat", "num_nulls", "num_nonnulls",
            // strings
            "lower", "upper", "initcap", "length", "char_length", "character_length", "octet_length",
            "bit_length", "substring", "substr", "position", "strpos", "overlay", "trim", "btrim", "ltrim",
            "rtrim", "concat", "concat_ws", "replace", "translate", "split_part", "left", "right", "lpad",
            "rpad", "repeat", "reverse", "starts_with", "format", "quote_ident", "quote_literal",
            "quote_nullable", "to_hex", "ascii", "chr", "md5", "sha224", "sha256", "sha384", "sha512",
            "encode", "decode", "regexp_replace", "regexp_match", "regexp_matches", "regexp_split_to_array",
            "regexp_split_to_table", "regexp_like", "regexp_count", "regexp_instr", "regexp_substr",
            "string_to_array", "array_to_string", "string_to_table", "convert_from", "convert_to",
            "unistr", "normalize", "casefold",
            // numbers
            "abs", "round", "floor", "ceil", "ceiling", "trunc", "mod", "power", "pow", "sqrt", "cbrt", "exp",
            "ln", "log", "log10", "sign", "div", "pi", "degrees", "radians", "sin", "cos", "tan", "asin",
            "acos", "atan", "atan2", "random", "width_bucket", "scale", "gcd", "lcm", "factorial",
            "to_char", "to_number", "to_date", "to_timestamp",
            // dates and times
            "now", "current_date", "current_time", "current_timestamp", "localtime", "localtimestamp",
            "clock_timestamp", "statement_timestamp", "transaction_timestamp", "timeofday", "date_trunc",
            "date_part", "date_bin", "extract", "age", "make_date", "make_time", "make_timestamp",
            "make_timestamptz", "make_interval", "justify_days", "justify_hours", "justify_interval",
            "isfinite", "timezone", "date", "date_add", "date_subtract", "generate_series",
            // arrays and sets
            "array_length", "array_lower", "array_upper", "array_ndims", "array_dims", "cardinality",
            "array_position", "array_positions", "array_remove", "array_replace", "array_append",
            "array_prepend", "array_cat", "array_fill", "unnest", "generate_subscripts", "trim_array",
            // json
            "to_json", "to_jsonb", "row_to_json", "array_to_json", "json_build_object", "jsonb_build_object",
            "json_build_array", "jsonb_build_array", "json_object", "jsonb_object", "json_array_elements",
            "jsonb_array_elements", "json_array_elements_text", "jsonb_array_elements_text", "json_each",
            "jsonb_each", "json_each_text", "jsonb_each_text", "json_extract_path", "jsonb_extract_path",
            "json_extract_path_text", "jsonb_extract_path_text", "json_object_keys", "jsonb_object_keys",
            "json_typeof", "jsonb_typeof", "json_array_length", "jsonb_array_length", "jsonb_set",
            "jsonb_set_lax", "jsonb_insert", "jsonb_strip_nulls", "json_strip_nulls", "jsonb_pretty",
            "jsonb_path_query", "jsonb_path_query_array", "jsonb_path_query_first", "jsonb_path_exists",
            "jsonb_path_match", "json_populate_record", "jsonb_populate_record", "json_to_record",
            "jsonb_to_record", "json_to_recordset", "jsonb_to_recordset", "json_scalar", "json_serialize",
            "json_query", "json_value", "json_exists", "json_table", "json_arrayagg", "json_objectagg",
            "json_array",
            // text search
            "to_tsvector", "to_tsquery", "plainto_tsquery", "phraseto_tsquery", "websearch_to_tsquery",
            "ts_rank", "ts_rank_cd", "ts_headline", "setweight", "strip", "numnode", "querytree",
            // uuids, ranges, networks, geometry helpers
            "gen_random_uuid", "uuidv4", "uuidv7", "lower_inc", "upper_inc", "lower_inf", "upper_inf",
            "isempty", "range_merge", "host", "masklen", "network", "family", "abbrev", "broadcast",
            "netmask", "hostmask", "set_masklen", "text", "inet", "point", "box", "circle",
            // session and catalog information (read-only; work on a standby)
            "current_setting", "current_database", "current_schema", "current_schemas", "current_user",
            "current_role", "session_user", "user", "version", "pg_backend_pid", "inet_server_addr",
            "inet_server_port", "inet_client_addr", "inet_client_port", "pg_is_in_recovery",
            "pg_postmaster_start_time", "pg_conf_load_time", "pg_typeof", "format_type", "pg_size_pretty",
            "pg_size_bytes", "pg_relation_size", "pg_total_relation_size", "pg_table_size",
            "pg_indexes_size", "pg_database_size", "pg_column_size", "has_table_privilege",
            "has_schema_privilege", "has_database_privilege", "has_column_privilege",
            "has_function_privilege", "has_sequence_privilege", "pg_has_role", "obj_description",
            "col_description", "shobj_description", "pg_get_viewdef", "pg_get_indexdef",
            "pg_get_constraintdef", "pg_get_functiondef", "pg_get_function_arguments",
            "pg_get_function_result", "pg_get_function_identity_arguments", "pg_get_triggerdef",
            "pg_get_expr", "pg_get_userbyid", "pg_get_serial_sequence", "pg_get_keywords",
            "pg_table_is_visible", "pg_type_is_visible", "pg_function_is_visible", "to_regclass",
            "to_regtype", "to_regproc", "to_regprocedure", "to_regnamespace", "to_regrole",
            "pg_encoding_to_char", "pg_client_encoding", "pg_last_wal_receive_lsn",
            "pg_last_wal_replay_lsn", "pg_last_xact_replay_timestamp", "pg_wal_lsn_diff",
            "pg_sleep", "pg_relation_filenode", "pg_relation_filepath", "pg_tablespace_location",
            "pg_get_partkeydef", "pg_get_statisticsobjdef", "pg_get_ruledef", "pg_input_is_valid",
            "row_security_active", "pg_jit_available", "txid_current_snapshot", "pg_current_snapshot",
            "pg_snapshot_xmin", "pg_snapshot_xmax", "pg_xact_commit_timestamp");

    /** True when {@code name(} in a query is known not to call something that could write. */
    static boolean isReadOnlyCall(String name) {
        return KEYWORDS.contains(name) || TYPES.contains(name) || FUNCTIONS.contains(name);
    }
}
