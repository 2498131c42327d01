package io.consolidb.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One RFC 9457 problem: an HTTP status, a human-readable {@code detail} written by consolidb
 * (never a database message, stack trace or secret) and, when input is at fault, the request
 * parameter(s) to blame, and the request it answers. Thrown by request parsing; rendered by {@link Problems}.
 */
final class Problem extends RuntimeException {

  /** {@code instance} is this followed by the request id (also in {@code X-Request-Id} and the logs). */
  static final String INSTANCE_PREFIX = "urn:request:";

  private final int status;
  private final List<String> parameters;
  /** Per-item errors of a refused batch ({@code [{index, parameter, reason}]}), or null. */
  private final JsonArray errors;
  /** Seconds a client should wait before retrying (the {@code Retry-After} header); 0 = no hint. */
  private int retryAfterSeconds;

  Problem(int status, String detail, List<String> parameters) {
    this(status, detail, parameters, null);
  }

  Problem(int status, String detail, List<String> parameters, JsonArray errors) {
    super(detail, null, false, false);
    this.status = status;
    this.parameters = parameters == null ? List.of() : List.copyOf(parameters);
    this.errors = errors;
  }

  static Problem badParameter(String parameter, String detail) {
    return new Problem(400, detail, List.of(parameter));
  }

  static Problem badRequest(String detail, List<String> parameters) {
    return new Problem(400, detail, parameters);
  }

  int status() {
    return status;
  }

  /** This problem with a retry hint (0: none); set while the problem is built, before it is sent. */
  Problem retryAfter(int seconds) {
    this.retryAfterSeconds = seconds;
    return this;
  }

  int retryAfterSeconds() {
    return retryAfterSeconds;
  }

  String detail() {
    return getMessage();
  }

  List<String> parameters() {
    return parameters;
  }

  /**
   * The body: {@code type} is {@code about:blank} (the status says it all), {@code title} the
   * status's reason phrase; {@code parameter} names the one input at fault, {@code parameters}
   * lists them when several are; {@code errors} lists each invalid item of a refused batch.
   */
  JsonObject toJson() {
    return toJson(null);
  }

  /** The body, with {@code instance} naming the request it answers when its id is known. */
  JsonObject toJson(String requestId) {
    JsonObject json = new JsonObject()
        .put("type", "about:blank")
        .put("title", HttpResponseStatus.valueOf(status).reasonPhrase())
        .put("status", status)
        .put("detail", getMessage());
    if (requestId != null) {
      json.put("instance", INSTANCE_PREFIX + requestId);
    }
    if (parameters.size() == 1) {
      json.put("parameter", parameters.get(0));
    } else if (!parameters.isEmpty()) {
      json.put("parameters", new JsonArray(List.copyOf(parameters)));
    }
    if (errors != null) {
      json.put("errors", errors);
    }
    return json;
  }
}
