package io.pgrudder.server.admin;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.backend.CommandComplete;
import io.pgrudder.protocol.backend.DataRow;
import io.pgrudder.protocol.backend.RowDescription;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One admin reply: a table (RowDescription, DataRows, CommandComplete "SHOW") or just a command
 * tag. Numbers are int8 columns, everything else text; all values go out in text format.
 */
final class ResultTable {
    private static final int TEXT = 25;
    private static final int INT8 = 20;

    private final List<String> columns = new ArrayList<>();
    private final List<Boolean> numeric = new ArrayList<>();
    private final List<List<Object>> rows = new ArrayList<>();
    private final String tag;

    private ResultTable(String tag) {
        this.tag = tag;
    }

    static ResultTable show() {
        return new ResultTable("SHOW");
    }

    static ResultTable command(String tag) {
        return new ResultTable(tag);
    }

    ResultTable text(String... names) {
        for (String n : names) {
            columns.add(n);
            numeric.add(false);
        }
        return this;
    }

    ResultTable number(String... names) {
        for (String n : names) {
            columns.add(n);
            numeric.add(true);
        }
        return this;
    }

    ResultTable row(Object... values) {
        if (values.length != columns.size()) {
            throw new IllegalArgumentException(values.length + " values for " + columns.size() + " columns " + columns);
        }
        rows.add(List.of(java.util.Arrays.stream(values).map(v -> v == null ? (Object) "" : v).toArray()));
        return this;
    }

    List<String> columns() {
        return columns;
    }

    void encode(ByteBuf out) {
        if (!columns.isEmpty()) {
            List<RowDescription.Field> fields = new ArrayList<>();
            for (int i = 0; i < columns.size(); i++) {
                boolean n = numeric.get(i);
                fields.add(RowDescription.Field.text(columns.get(i), n ? INT8 : TEXT, (short) (n ? 8 : -1)));
            }
            new RowDescription(fields).encode(out);
            for (List<Object> row : rows) {
                List<byte[]> values = new ArrayList<>(row.size());
                for (Object v : row) {
                    values.add(String.valueOf(v).getBytes(StandardCharsets.UTF_8));
                }
                new DataRow(values).encode(out);
            }
        }
        new CommandComplete(tag).encode(out);
    }
}
