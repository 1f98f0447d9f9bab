package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The spec of a stored group that does not fit the model (a field of the wrong type, e.g. {@code
 * zones: "a,b,c"}): it keeps the stored JSON, which it is written back as unchanged, and says which
 * field could not be read and why. Nothing is built from it; the operator reports it and waits for
 * a fix. Its other fields stay empty, except the replica count when that one is readable.
 */
public final class UnreadableSpec extends HighAvailabilityGroupSpec {
  private final JsonNode stored;
  private final String field;
  private final String problem;

  public UnreadableSpec(JsonNode stored, String field, String problem) {
    this.stored = stored;
    this.field = field;
    this.problem = problem;
    JsonNode replicas = stored.path("replicas");
    setReplicas(replicas.isInt() ? replicas.intValue() : null);
    setZones(null);
    setService(null);
    setAgent(null);
  }

  /** The spec exactly as stored; serializing the group writes it back unchanged. */
  @JsonValue
  public JsonNode stored() {
    return stored;
  }

  /** The field that could not be read, e.g. {@code spec.zones}. */
  public String field() {
    return field;
  }

  /** What is wrong with it, e.g. {@code expected a list of strings, got the string "a,b,c"}. */
  public String problem() {
    return problem;
  }

  @Override
  public String toString() {
    return field + ": " + problem;
  }
}
