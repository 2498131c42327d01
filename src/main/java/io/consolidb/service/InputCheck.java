package io.consolidb.service;

import io.consolidb.FailureCodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What the services' argument checks share, so that the same kind of refusal reads the same in
 * every service: the {@link FailureCodes#INVALID_INPUT} exception naming the parameter(s) at
 * fault, the refusal of unknown and read-only fields, and the clipping of names a caller chose
 * before they are echoed back.
 *
 * <p>The debug info of every refusal built here is {@code {"parameter": name}} for one
 * parameter and {@code {"parameters": [names]}} for several; the HTTP API shows them as the
 * problem's {@code parameter} or {@code parameters}.
 */
public final class InputCheck {

  /** Caller-given names echoed back in a message at most. */
  public static final int MAX_NAMES_SHOWN = 10;
  /** Longest caller-given name echoed back; a longer one is cut and ends with {@code …}. */
  public static final int MAX_NAME_SHOWN = 40;

  private InputCheck() {
  }

  /** {@code id} when it is a positive key, else a 400 naming {@code parameter}. */
  public static long positiveId(String parameter, long id) {
    if (id < 1) {
      throw invalid(parameter, parameter + " must be a positive integer, got " + id);
    }
    return id;
  }

  /** A 400 whose debug info names {@code parameter}. */
  public static ServiceException invalid(String parameter, String message) {
    return new ServiceException(FailureCodes.INVALID_INPUT, message,
        new JsonObject().put("parameter", parameter));
  }

  /** A 400 naming {@code parameters}: as {@link #invalid(String, String)} when there is one. */
  public static ServiceException invalid(List<String> parameters, String message) {
    return parameters.size() == 1
        ? invalid(parameters.get(0), message)
        : new ServiceException(FailureCodes.INVALID_INPUT, message,
            new JsonObject().put("parameters", new JsonArray(new ArrayList<>(parameters))));
  }

  /**
   * Throws the refusal of the fields of {@code object} that are not {@code writable} (see
   * {@link #unknownFields}); returns when there are none.
   */
  public static void refuseUnknown(JsonObject object, Set<String> writable, Set<String> readOnly) {
    ServiceException refusal = unknownFields(object, writable, readOnly);
    if (refusal != null) {
      throw refusal;
    }
  }

  /**
   * The refusal of the fields of {@code object} that are not {@code writable}, or null when there
   * are none: {@code "unknown field: colour"}, {@code "unknown fields: a, b; read-only field: id"},
   * {@code "unknown fields: … (and 5 more)"}. Names are sorted, unknown ones before read-only
   * ones; at most {@value #MAX_NAMES_SHOWN} are shown and named in the debug info, each clipped.
   *
   * @param readOnly fields the caller may read but not write (named as read-only, not unknown)
   */
  public static ServiceException unknownFields(JsonObject object, Set<String> writable,
      Set<String> readOnly) {
    if (writable.containsAll(object.fieldNames())) {
      return null; // the usual case, without building lists (analytics checks every event)
    }
    List<String> unknown = new ArrayList<>();
    List<String> refusedReadOnly = new ArrayList<>();
    for (String name : object.fieldNames()) {
      if (readOnly.contains(name)) {
        refusedReadOnly.add(name);
      } else if (!writable.contains(name)) {
        unknown.add(name);
      }
    }
    unknown.sort(null);
    refusedReadOnly.sort(null);
    List<String> all = new ArrayList<>(unknown);
    all.addAll(refusedReadOnly);
    StringBuilder message = new StringBuilder();
    if (!unknown.isEmpty()) {
      message.append(unknown.size() == 1 ? "unknown field: " : "unknown fields: ")
          .append(String.join(", ", clip(unknown)));
    }
    if (!refusedReadOnly.isEmpty()) {
      message.append(message.length() == 0 ? "" : "; ")
          .append(refusedReadOnly.size() == 1 ? "read-only field: " : "read-only fields: ")
          .append(String.join(", ", refusedReadOnly));
    }
    List<String> named = clip(all);
    if (all.size() > named.size()) {
      message.append(" (and ").append(all.size() - named.size()).append(" more)");
    }
    return invalid(named, message.toString());
  }

  /** The first {@value #MAX_NAMES_SHOWN} of {@code names}, each {@link #clip(String) clipped}. */
  public static List<String> clip(List<String> names) {
    List<String> clipped = new ArrayList<>();
    for (String name : names.subList(0, Math.min(names.size(), MAX_NAMES_SHOWN))) {
      clipped.add(clip(name));
    }
    return clipped;
  }

  /** A caller-given name as it may be echoed: at most {@value #MAX_NAME_SHOWN} characters and {@code …}. */
  public static String clip(String name) {
    return name.length() > MAX_NAME_SHOWN ? name.substring(0, MAX_NAME_SHOWN) + "…" : name;
  }
}
