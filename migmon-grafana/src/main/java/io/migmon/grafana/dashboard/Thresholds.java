package io.migmon.grafana.dashboard;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Absolute thresholds of a panel: a base colour for everything below the first step, then one colour per step
 * from its value upwards. Immutable.
 *
 * <pre>{@code
 * Thresholds.base("green").step(60, "yellow").step(300, "red")   // the data-lag thresholds
 * }</pre>
 */
public final class Thresholds {

    private final String baseColor;
    private final List<Step> steps;

    private Thresholds(String baseColor, List<Step> steps) {
        this.baseColor = baseColor;
        this.steps = List.copyOf(steps);
    }

    /**
     * Thresholds starting with {@code color} (from minus infinity).
     *
     * @throws IllegalArgumentException if the colour is blank
     */
    public static Thresholds base(String color) {
        return new Thresholds(requireColor(color, "thresholds base color"), List.of());
    }

    /** Green below {@code yellowFrom}, yellow below {@code redFrom}, red from there on. */
    public static Thresholds greenYellowRed(double yellowFrom, double redFrom) {
        return base("green").step(yellowFrom, "yellow").step(redFrom, "red");
    }

    /**
     * A copy with one more step; values must be finite and strictly ascending.
     *
     * @throws IllegalArgumentException naming the field when the value is not above the previous step or the colour
     *     is blank
     */
    public Thresholds step(double value, String color) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("thresholds step value must be finite, was " + value);
        }
        if (!steps.isEmpty() && value <= steps.get(steps.size() - 1).value()) {
            throw new IllegalArgumentException("thresholds step values must be strictly ascending: " + value
                    + " after " + steps.get(steps.size() - 1).value());
        }
        List<Step> copy = new ArrayList<>(steps);
        copy.add(new Step(value, requireColor(color, "thresholds step color")));
        return new Thresholds(baseColor, copy);
    }

    /** Colour below the first step. */
    public String baseColor() {
        return baseColor;
    }

    /** Steps in ascending order. */
    public List<Step> steps() {
        return steps;
    }

    ObjectNode toJson(JsonNodeFactory f) {
        ObjectNode t = f.objectNode();
        t.put("mode", "absolute");
        ArrayNode arr = t.putArray("steps");
        arr.addObject().put("color", baseColor).putNull("value");
        for (Step s : steps) {
            arr.addObject().put("color", s.color()).put("value", s.value());
        }
        return t;
    }

    private static String requireColor(String color, String field) {
        if (color == null || color.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank");
        }
        return color;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Thresholds t && t.baseColor.equals(baseColor) && t.steps.equals(steps);
    }

    @Override
    public int hashCode() {
        return Objects.hash(baseColor, steps);
    }

    @Override
    public String toString() {
        return "Thresholds{" + baseColor + ", " + steps + "}";
    }

    /** One threshold step: {@code color} from {@code value} upwards. */
    public record Step(double value, String color) {
    }
}
