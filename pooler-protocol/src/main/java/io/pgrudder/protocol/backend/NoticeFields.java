package io.pgrudder.protocol.backend;

import java.util.Map;

/**
 * The identified fields shared by ErrorResponse and NoticeResponse, keyed by their one-byte codes
 * in the order received. Codes this list does not know are kept, so a relayed or re-encoded
 * message loses nothing.
 */
public sealed interface NoticeFields permits ErrorResponse, NoticeResponse {
    char SEVERITY = 'S';
    char SEVERITY_NON_LOCALIZED = 'V';
    char SQL_STATE = 'C';
    char MESSAGE = 'M';
    char DETAIL = 'D';
    char HINT = 'H';
    char POSITION = 'P';
    char INTERNAL_POSITION = 'p';
    char INTERNAL_QUERY = 'q';
    char WHERE = 'W';
    char SCHEMA_NAME = 's';
    char TABLE_NAME = 't';
    char COLUMN_NAME = 'c';
    char DATA_TYPE_NAME = 'd';
    char CONSTRAINT_NAME = 'n';
    char FILE = 'F';
    char LINE = 'L';
    char ROUTINE = 'R';

    /** All fields in wire order; unmodifiable. */
    Map<Character, String> fields();

    /** Localized severity (S), e.g. ERROR, FATAL, WARNING. */
    default String severity() { return fields().get(SEVERITY); }

    /** Severity never translated (V), PostgreSQL 9.6+. */
    default String severityNonLocalized() { return fields().get(SEVERITY_NON_LOCALIZED); }

    default String sqlState() { return fields().get(SQL_STATE); }

    default String message() { return fields().get(MESSAGE); }

    default String detail() { return fields().get(DETAIL); }

    default String hint() { return fields().get(HINT); }

    default String position() { return fields().get(POSITION); }

    default String internalPosition() { return fields().get(INTERNAL_POSITION); }

    default String internalQuery() { return fields().get(INTERNAL_QUERY); }

    default String where() { return fields().get(WHERE); }

    default String schemaName() { return fields().get(SCHEMA_NAME); }

    default String tableName() { return fields().get(TABLE_NAME); }

    default String columnName() { return fields().get(COLUMN_NAME); }

    default String dataTypeName() { return fields().get(DATA_TYPE_NAME); }

    default String constraintName() { return fields().get(CONSTRAINT_NAME); }

    default String file() { return fields().get(FILE); }

    default String line() { return fields().get(LINE); }

    default String routine() { return fields().get(ROUTINE); }
}
