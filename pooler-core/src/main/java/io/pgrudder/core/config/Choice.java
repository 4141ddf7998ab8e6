package io.pgrudder.core.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The spellings a string key accepts (pgcat's serde aliases) and what each means.
 *
 * @param expected how an error describes the accepted values, e.g. {@code "session" or "transaction"}
 */
record Choice<E>(Map<String, E> spellings, String expected) {

    static <E> Builder<E> builder() {
        return new Builder<>();
    }

    E parse(String text) {
        return spellings.get(text);
    }

    static final class Builder<E> {
        private final Map<String, E> spellings = new LinkedHashMap<>();
        private final List<String> shown = new ArrayList<>();

        /** The spelling shown in error messages; aliases are accepted too but not shown. */
        Builder<E> value(String canonical, E value, String... aliases) {
            shown.add('"' + canonical + '"');
            spellings.put(canonical, value);
            for (String alias : aliases) {
                spellings.put(alias, value);
            }
            return this;
        }

        Choice<E> build() {
            String expected = shown.size() == 1 ? shown.get(0)
                    : String.join(", ", shown.subList(0, shown.size() - 1)) + " or " + shown.get(shown.size() - 1);
            return new Choice<>(Map.copyOf(spellings), expected);
        }
    }
}
