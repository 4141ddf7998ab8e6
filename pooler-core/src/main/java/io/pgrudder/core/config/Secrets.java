package io.pgrudder.core.config;

import java.lang.reflect.RecordComponent;
import java.util.Set;

/** Prints records that hold passwords without the passwords. */
final class Secrets {
    static final String MASK = "***";

    private Secrets() {
    }

    /**
     * The usual record {@code toString} form, {@code Name[a=1, b=x]}, with every non-null
     * component named in {@code secrets} printed as {@value #MASK}.
     */
    static String maskedToString(Record record, Set<String> secrets) {
        StringBuilder sb = new StringBuilder(record.getClass().getSimpleName()).append('[');
        RecordComponent[] components = record.getClass().getRecordComponents();
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            Object value;
            try {
                value = c.getAccessor().invoke(record);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(c.getName()).append('=');
            sb.append(value != null && secrets.contains(c.getName()) ? MASK : value);
        }
        return sb.append(']').toString();
    }
}
