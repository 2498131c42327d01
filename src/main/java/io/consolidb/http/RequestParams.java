package io.consolidb.http;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads request parameters as the types the service takes, or throws a 400 {@link Problem}
 * naming the parameter. Only the syntax is checked here; ranges are the service's business, so
 * event-bus callers and HTTP clients get the same rules.
 */
final class RequestParams {

  /** The request header that makes a write idempotent (docs/RELIABILITY.md). */
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  /** Plain decimal notation: no hex, no NaN/Infinity, no type suffixes that Double.parseDouble accepts. */
  private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d{1,20}(\\.\\d{0,20})?|\\.\\d{1,20})([eE][+-]?\\d{1,3})?");
  private static final Pattern INTEGER = Pattern.compile("[+-]?\\d{1,9}");
  private static final Pattern ID = Pattern.compile("\\d{1,18}");

  private RequestParams() {
  }

  /** A decimal number; {@code fallback} when absent, a problem when {@code fallback} is null. */
  static double decimal(MultiMap params, String name, Double fallback) {
    String value = single(params, name);
    if (value == null) {
      if (fallback == null) {
        throw Problem.badParameter(name, name + " is required");
      }
      return fallback;
    }
    if (!DECIMAL.matcher(value.strip()).matches()) {
      throw Problem.badParameter(name, name + " must be a decimal number");
    }
    return Double.parseDouble(value.strip());
  }

  /** An optional decimal number: null when absent, a problem when it is not a plain decimal. */
  static Double optionalDecimal(MultiMap params, String name) {
    return single(params, name) == null ? null : decimal(params, name, null);
  }

  /** An optional integer: null when absent, a problem when it is not an integer. */
  static Integer optionalInteger(MultiMap params, String name) {
    return single(params, name) == null ? null : integer(params, name, 0);
  }

  /**
   * The values of a parameter that may be repeated ({@code ?status=open&status=closed}) or list
   * its values separated by commas ({@code ?status=open,closed}), stripped; empty when absent.
   * An empty value is kept, for the service to refuse by name.
   */
  static List<String> list(MultiMap params, String name) {
    List<String> values = new ArrayList<>();
    for (String value : params.getAll(name)) {
      for (String one : value.split(",", -1)) {
        values.add(one.strip());
      }
    }
    return values;
  }

  /** An integer; {@code fallback} when absent. Out-of-int-range values fail as "not an integer". */
  static int integer(MultiMap params, String name, int fallback) {
    String value = single(params, name);
    if (value == null) {
      return fallback;
    }
    if (!INTEGER.matcher(value.strip()).matches()) {
      throw Problem.badParameter(name, name + " must be an integer");
    }
    return Integer.parseInt(value.strip());
  }

  /** A text parameter as given; a problem when absent. Blank and length are checked by the service. */
  static String text(MultiMap params, String name) {
    String value = single(params, name);
    if (value == null) {
      throw Problem.badParameter(name, name + " is required");
    }
    return value;
  }

  /** The {@code id} path parameter: a positive integer. */
  /** Whether {@code value} is what {@link #id} accepts: 1 to 18 digits (checked without a regular expression). */
  static boolean isId(String value) {
    if (value == null || value.isEmpty() || value.length() > 18) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  static long id(RoutingContext ctx) {
    String value = ctx.pathParam("id");
    if (value == null || !ID.matcher(value).matches()) {
      throw Problem.badParameter("id", "id must be a positive integer");
    }
    return Long.parseLong(value);
  }

  /** A positive integer path parameter, or a 400 naming it. */
  static long pathId(RoutingContext ctx, String name) {
    String value = ctx.pathParam(name);
    if (value == null || !ID.matcher(value).matches()) {
      throw Problem.badParameter(name, name + " must be a positive integer");
    }
    return Long.parseLong(value);
  }

  /** An optional boolean, {@code true} or {@code false} (any case): null when absent, a problem otherwise. */
  static Boolean optionalBoolean(MultiMap params, String name) {
    String value = single(params, name);
    if (value == null) {
      return null;
    }
    if (!value.strip().equalsIgnoreCase("true") && !value.strip().equalsIgnoreCase("false")) {
      throw Problem.badParameter(name, name + " must be true or false");
    }
    return Boolean.parseBoolean(value.strip());
  }

  /** An optional text parameter: null when absent. */
  static String optionalText(MultiMap params, String name) {
    return single(params, name);
  }

  /** The body as any JSON value (object, array, …), or a 400 naming {@code body}. */
  static Object jsonValue(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      throw Problem.badParameter("body", "a JSON body is required");
    }
    try {
      return body.toJsonValue();
    } catch (DecodeException e) {
      // The parser's message quotes the input: never echo it
      throw Problem.badParameter("body", "the body is not valid JSON");
    }
  }

  /** The body as a JSON object, or a 400 naming {@code body}. */
  static JsonObject jsonObject(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      throw Problem.badParameter("body", "a JSON object body is required");
    }
    Object value;
    try {
      value = body.toJsonValue();
    } catch (DecodeException e) {
      // The parser's message quotes the input: never echo it
      throw Problem.badParameter("body", "the body is not valid JSON");
    }
    if (!(value instanceof JsonObject json)) {
      throw Problem.badParameter("body", "the body must be a JSON object");
    }
    return json;
  }

  /**
   * The request's {@code Idempotency-Key} header, or null without one; its syntax is the service's
   * to check (the same for event-bus callers). Sent twice, it is refused: which one would count?
   */
  static String idempotencyKey(RoutingContext ctx) {
    List<String> keys = ctx.request().headers().getAll(IDEMPOTENCY_KEY);
    if (keys.size() > 1) {
      throw Problem.badParameter(IDEMPOTENCY_KEY, "send one Idempotency-Key header, not " + keys.size());
    }
    return keys.isEmpty() ? null : keys.get(0);
  }

  private static String single(MultiMap params, String name) {
    List<String> values = params.getAll(name);
    if (values.isEmpty()) {
      return null;
    }
    if (values.size() > 1) {
      throw Problem.badParameter(name, name + " must be given once");
    }
    return values.get(0);
  }
}
