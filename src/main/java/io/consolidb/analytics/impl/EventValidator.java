package io.consolidb.analytics.impl;

import static io.consolidb.analytics.AnalyticsLimits.*;
import static io.consolidb.service.InputCheck.invalid;

import io.consolidb.FailureCodes;
import io.consolidb.service.InputCheck;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a batch of events and turns it into the column arrays of
 * {@link AnalyticsSql#INSERT_BATCH}. Every event is checked, so a refused
 * batch reports each invalid event ({@code {"errors": [{"index", "parameter", "reason"}]}} as the
 * 400's debug info), not only the first.
 */
final class EventValidator {

  /** The batch as column arrays, and the UTC days it touches (for cache invalidation). */
  record Batch(int size, JsonArray params, Set<LocalDate> days) {
  }

  private static final Pattern TYPE = Pattern.compile(TYPE_PATTERN);
  private static final Set<String> FIELDS = Set.of("type", "user_id", "restaurant_id", "occurred_at", "properties");

  private EventValidator() {
  }

  static Batch batch(JsonArray events, Instant now) {
    if (events == null || events.isEmpty()) {
      throw invalid("events", "events must hold at least one event");
    }
    if (events.size() > MAX_BATCH_SIZE) {
      throw new ServiceException(FailureCodes.PAYLOAD_TOO_LARGE, "a batch holds at most " + MAX_BATCH_SIZE
          + " events, got " + events.size(), new JsonObject().put("parameter", "events"));
    }
    int size = events.size();
    JsonArray types = new JsonArray(new java.util.ArrayList<>(size));
    JsonArray users = new JsonArray(new java.util.ArrayList<>(size));
    JsonArray restaurants = new JsonArray(new java.util.ArrayList<>(size));
    JsonArray times = new JsonArray(new java.util.ArrayList<>(size));
    JsonArray properties = new JsonArray(new java.util.ArrayList<>(size));
    Set<LocalDate> days = new HashSet<>();
    JsonArray errors = new JsonArray();
    Instant latest = now.plus(MAX_CLOCK_SKEW);
    for (int i = 0; i < size; i++) {
      try {
        if (!(events.getValue(i) instanceof JsonObject event)) {
          throw new Refused("event", "an event must be a JSON object");
        }
        ServiceException unknown = InputCheck.unknownFields(event, FIELDS, Set.of());
        if (unknown != null) {
          throw new Refused(firstParameter(unknown), unknown.getMessage());
        }
        String type = type(event.getValue("type"));
        Long user = id("user_id", event.getValue("user_id"));
        Long restaurant = id("restaurant_id", event.getValue("restaurant_id"));
        if (restaurant == null && VIEW.equals(type)) {
          throw new Refused("restaurant_id", "a view needs a restaurant_id");
        }
        Instant occurred = occurredAt(event.getValue("occurred_at"), now, latest);
        String props = properties(event.getValue("properties"));
        types.add(type);
        users.add(user);
        restaurants.add(restaurant);
        times.add(occurred.toString());
        properties.add(props);
        days.add(occurred.atOffset(ZoneOffset.UTC).toLocalDate());
      } catch (Refused refused) {
        errors.add(new JsonObject().put("index", i).put("parameter", refused.parameter).put("reason", refused.getMessage()));
      }
    }
    if (!errors.isEmpty()) {
      String message = errors.size() == 1
          ? "event " + errors.getJsonObject(0).getInteger("index") + " is invalid: "
              + errors.getJsonObject(0).getString("reason") + "; nothing was recorded"
          : errors.size() + " events are invalid; nothing was recorded";
      throw new ServiceException(FailureCodes.INVALID_INPUT, message,
          new JsonObject().put("parameter", "events").put("errors", errors));
    }
    return new Batch(size, JsonArray.of(types, users, restaurants, times, properties), days);
  }

  private static String type(Object value) {
    if (value == null) {
      throw new Refused("type", "type is required");
    }
    if (!(value instanceof String s) || !TYPE.matcher(s).matches()) {
      throw new Refused("type", "type must match " + TYPE_PATTERN);
    }
    return s;
  }

  private static Long id(String name, Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof Integer || value instanceof Long || value instanceof Short)
        || ((Number) value).longValue() < 1) {
      throw new Refused(name, name + " must be a positive integer");
    }
    return ((Number) value).longValue();
  }

  private static Instant occurredAt(Object value, Instant now, Instant latest) {
    if (value == null) {
      return now;
    }
    if (!(value instanceof String s)) {
      throw new Refused("occurred_at", "occurred_at must be an ISO-8601 instant with an offset");
    }
    Instant occurred;
    try {
      occurred = OffsetDateTime.parse(s.strip()).toInstant();
    } catch (DateTimeParseException e) {
      throw new Refused("occurred_at", "occurred_at must be an ISO-8601 instant with an offset (2025-03-01T12:00:00Z)");
    }
    if (occurred.isBefore(EARLIEST_EVENT)) {
      throw new Refused("occurred_at", "occurred_at must not be before " + EARLIEST_EVENT);
    }
    if (occurred.isAfter(latest)) {
      throw new Refused("occurred_at", "occurred_at must not be more than " + MAX_CLOCK_SKEW.toHours()
          + " hours in the future");
    }
    return occurred;
  }

  private static String properties(Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject props)) {
      throw new Refused("properties", "properties must be a JSON object");
    }
    if (props.isEmpty()) {
      return null;
    }
    String encoded = props.encode();
    if (encoded.length() > MAX_PROPERTIES_JSON_LENGTH) {
      throw new Refused("properties", "properties must be at most " + MAX_PROPERTIES_JSON_LENGTH
          + " characters of JSON");
    }
    return encoded;
  }

  /** The field a refusal names first: an event's error names one parameter. */
  private static String firstParameter(ServiceException refusal) {
    JsonObject info = refusal.getDebugInfo();
    return info.containsKey("parameter")
        ? info.getString("parameter")
        : info.getJsonArray("parameters").getString(0);
  }

  /** One event's first problem; cheap (no stack trace), caught per event. */
  private static final class Refused extends RuntimeException {
    final String parameter;

    Refused(String parameter, String reason) {
      super(reason, null, false, false);
      this.parameter = parameter;
    }
  }
}
