package dev.halo.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.halo.sandbox.ApiResource.PrinterColumn;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Builds the {@code meta.k8s.io/v1 Table} that {@code kubectl get} asks for: a CRD's printer
 * columns, the usual pod and event columns, or Name and Age for other kinds.
 */
final class ServerSideTable {
  private static final String CREATED = ".metadata.creationTimestamp";
  private static final PrinterColumn NAME =
      new PrinterColumn(
          "Name", "string", "name", "Name must be unique within a namespace.", 0, ".metadata.name");
  private static final PrinterColumn AGE =
      new PrinterColumn("Age", "date", "", "Time since the object was created.", 0, CREATED);
  private static final List<PrinterColumn> POD_COLUMNS =
      List.of(
          NAME,
          new PrinterColumn("Ready", "string", "", "Ready containers of all containers.", 0, ""),
          new PrinterColumn("Status", "string", "", "The pod's phase, or Terminating.", 0, ""),
          new PrinterColumn("Restarts", "string", "", "Container restarts.", 0, ""),
          AGE,
          new PrinterColumn("IP", "string", "", "The pod's IP.", 1, ".status.podIP"),
          new PrinterColumn("Node", "string", "", "The node it runs on.", 1, ".spec.nodeName"),
          new PrinterColumn("Nominated Node", "string", "", "Nominated node.", 1, ""),
          new PrinterColumn("Readiness Gates", "string", "", "Readiness gates.", 1, ""));

  // kubectl get events: what happened to which object, newest information first in each row.
  private static final List<PrinterColumn> EVENT_COLUMNS =
      List.of(
          new PrinterColumn("Last Seen", "date", "", "When it last happened.", 0, ".lastTimestamp"),
          new PrinterColumn("Type", "string", "", "Normal or Warning.", 0, ".type"),
          new PrinterColumn("Reason", "string", "", "Why, in one word.", 0, ".reason"),
          new PrinterColumn(
              "Object", "string", "", "The object it is about.", 0, ".involvedObject.name"),
          new PrinterColumn("Message", "string", "", "What happened.", 0, ".message"),
          new PrinterColumn("Count", "integer", "", "How often.", 1, ".count"),
          NAME);

  private ServerSideTable() {}

  /** Whether an Accept header asks for a Table (kubectl sends it first, with fallbacks). */
  static boolean wanted(String accept) {
    return accept != null && accept.contains("as=Table");
  }

  /** The columns of a resource type. */
  static List<PrinterColumn> columns(ApiResource resource) {
    if (resource.group().isEmpty() && resource.plural().equals("pods")) {
      return POD_COLUMNS;
    }
    if (resource.group().isEmpty() && resource.plural().equals("events")) {
      return EVENT_COLUMNS;
    }
    List<PrinterColumn> columns = new ArrayList<>();
    columns.add(NAME);
    columns.addAll(resource.printerColumns());
    if (columns.stream().noneMatch(c -> c.jsonPath().equals(CREATED))) {
      columns.add(AGE);
    }
    return columns;
  }

  /** A Table of a list (its items) or of one object (one row), at {@code now}. */
  static ObjectNode of(ApiResource resource, JsonNode body, Instant now) {
    List<PrinterColumn> columns = columns(resource);
    ObjectNode table = Serialization.jsonMapper().createObjectNode();
    table.put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
    ObjectNode metadata = table.putObject("metadata");
    String version = body.path("metadata").path("resourceVersion").asText("");
    if (!version.isEmpty()) {
      metadata.put("resourceVersion", version);
    }
    ArrayNode definitions = table.putArray("columnDefinitions");
    for (PrinterColumn c : columns) {
      definitions
          .addObject()
          .put("name", c.name())
          .put("type", c.type().equals("date") ? "string" : c.type())
          .put("format", c.format())
          .put("description", c.description())
          .put("priority", c.priority());
    }
    ArrayNode rows = table.putArray("rows");
    if (body.has("items")) {
      List<JsonNode> items = new ArrayList<>();
      body.path("items").forEach(items::add);
      // The store lists in hash order; an API server lists by namespace and name.
      items.sort(
          Comparator.comparing((JsonNode i) -> i.path("metadata").path("namespace").asText())
              .thenComparing(i -> i.path("metadata").path("name").asText()));
      items.forEach(item -> rows.add(row(resource, columns, item, now)));
    } else {
      rows.add(row(resource, columns, body, now));
    }
    return table;
  }

  private static ObjectNode row(
      ApiResource resource, List<PrinterColumn> columns, JsonNode object, Instant now) {
    ObjectNode row = Serialization.jsonMapper().createObjectNode();
    ArrayNode cells = row.putArray("cells");
    boolean pod = columns == POD_COLUMNS;
    for (int i = 0; i < columns.size(); i++) {
      if (pod && i >= 1 && i <= 3) {
        podCell(cells, i, object);
      } else {
        cells.add(cell(columns.get(i), object, now));
      }
    }
    ObjectNode partial = row.putObject("object");
    partial.put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
    partial.set("metadata", object.path("metadata").deepCopy());
    return row;
  }

  private static JsonNode cell(PrinterColumn column, JsonNode object, Instant now) {
    List<JsonNode> found;
    if (column.jsonPath().isEmpty()) {
      found = List.of();
    } else {
      try {
        found = PrinterJsonPath.find(object, column.jsonPath());
      } catch (IllegalArgumentException e) {
        found = List.of();
      }
    }
    var json = Serialization.jsonMapper().getNodeFactory();
    if (found.isEmpty() || found.get(0).isNull()) {
      return column.priority() > 0 ? json.textNode("<none>") : json.nullNode();
    }
    JsonNode value = found.get(0);
    return switch (column.type()) {
      case "date" -> json.textNode(age(value.asText(), now));
      case "integer" -> value.canConvertToLong() ? json.numberNode(value.asLong()) : value;
      case "number", "boolean" -> value;
      default -> json.textNode(value.isValueNode() ? value.asText() : value.toString());
    };
  }

  private static void podCell(ArrayNode cells, int column, JsonNode pod) {
    JsonNode statuses = pod.path("status").path("containerStatuses");
    switch (column) {
      case 1 -> {
        long ready = 0;
        for (JsonNode s : statuses) {
          ready += s.path("ready").asBoolean() ? 1 : 0;
        }
        cells.add(ready + "/" + pod.path("spec").path("containers").size());
      }
      case 2 -> cells.add(podStatus(pod));
      default -> {
        long restarts = 0;
        for (JsonNode s : statuses) {
          restarts += s.path("restartCount").asLong();
        }
        cells.add(String.valueOf(restarts));
      }
    }
  }

  private static String podStatus(JsonNode pod) {
    if (pod.path("metadata").hasNonNull("deletionTimestamp")) {
      return "Terminating";
    }
    for (JsonNode s : pod.path("status").path("containerStatuses")) {
      String waiting = s.path("state").path("waiting").path("reason").asText("");
      if (!waiting.isEmpty()) {
        return waiting;
      }
    }
    String reason = pod.path("status").path("reason").asText("");
    return !reason.isEmpty() ? reason : pod.path("status").path("phase").asText("Pending");
  }

  /** kubectl's short human duration ({@code 45s}, {@code 3m12s}, {@code 5h2m}, {@code 12d}). */
  static String age(String timestamp, Instant now) {
    Instant created;
    try {
      created = Instant.parse(timestamp);
    } catch (DateTimeParseException e) {
      return "<unknown>";
    }
    return humanDuration(Duration.between(created, now));
  }

  static String humanDuration(Duration d) {
    long seconds = d.getSeconds();
    if (seconds < -1) {
      return "<invalid>";
    } else if (seconds < 0) {
      return "0s";
    } else if (seconds < 120) {
      return seconds + "s";
    }
    long minutes = seconds / 60;
    if (minutes < 10) {
      return seconds % 60 == 0 ? minutes + "m" : minutes + "m" + seconds % 60 + "s";
    } else if (minutes < 180) {
      return minutes + "m";
    }
    long hours = minutes / 60;
    if (hours < 8) {
      return minutes % 60 == 0 ? hours + "h" : hours + "h" + minutes % 60 + "m";
    } else if (hours < 48) {
      return hours + "h";
    } else if (hours < 24 * 8) {
      return hours % 24 == 0 ? hours / 24 + "d" : hours / 24 + "d" + hours % 24 + "h";
    } else if (hours < 24 * 365 * 2) {
      return hours / 24 + "d";
    } else if (hours < 24 * 365 * 8) {
      long days = hours / 24 % 365;
      return days == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + days + "d";
    }
    return hours / 24 / 365 + "y";
  }
}
