package dev.halo.operator.validation;

/**
 * One problem the validator found: the rule it breaks, the field (e.g. {@code spec.zones[1]}) and
 * the whole message, {@code HighAvailabilityGroup shop/web: spec.zones[1] ...; <fix>}.
 */
public record Violation(Rule rule, String field, String message) {}
