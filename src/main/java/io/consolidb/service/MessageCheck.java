package io.consolidb.service;

import io.consolidb.FailureCodes;
import io.vertx.codegen.annotations.Nullable;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.serviceproxy.ServiceInterceptor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks a raw service call against the service interface before the generated proxy handler
 * sees it: the handler answers 500 for anything it cannot cast or unbox (a body that is not a JSON
 * object, a missing {@code action} header, a string where a number belongs, a null for a
 * {@code long}), and silently truncates a number too large for its parameter. Here each of those
 * is a 400 that names the action and the parameter.
 *
 * <p>The parameters are read from the interface by reflection (the build keeps parameter names),
 * so a new service method is checked without a line here. Reference parameters (strings, JSON)
 * may be absent unless they are primitives; what a value means is the service's own validation.
 */
public final class MessageCheck {

  private final String service;
  private final Map<String, List<Parameter>> actions = new TreeMap<>();

  private MessageCheck(Class<?> type) {
    this.service = type.getSimpleName();
    for (Method method : type.getMethods()) {
      if (Modifier.isStatic(method.getModifiers()) || method.getReturnType() != Future.class) {
        continue;
      }
      for (Parameter parameter : method.getParameters()) {
        if (!parameter.isNamePresent()) {
          throw new IllegalStateException(type.getName() + " was compiled without -parameters");
        }
      }
      actions.put(method.getName(), List.of(method.getParameters()));
    }
  }

  /** The check for calls to {@code type}, a {@code @ProxyGen} interface. */
  public static MessageCheck of(Class<?> type) {
    return new MessageCheck(type);
  }

  /** As a service interceptor: a call that fails the check is answered 400 and goes no further. */
  public ServiceInterceptor interceptor() {
    return (vertx, context, message) -> {
      String problem = problem(message);
      return problem == null ? Future.succeededFuture(message)
          : Future.failedFuture(new ServiceException(FailureCodes.INVALID_INPUT, problem));
    };
  }

  /** What is wrong with {@code message}, or null when the handler can take it. */
  String problem(Message<?> message) {
    String action = message.headers().get("action");
    if (action == null || action.isEmpty()) {
      return "missing the action header (one of " + String.join(", ", actions.keySet()) + ")";
    }
    List<Parameter> parameters = actions.get(action);
    if (parameters == null) {
      return "unknown action '" + abbreviated(action) + "' of " + service + " (one of "
          + String.join(", ", actions.keySet()) + ")";
    }
    if (!(message.body() instanceof JsonObject body)) {
      return action + ": the body must be a JSON object of the parameters";
    }
    for (Parameter parameter : parameters) {
      String wrong = wrong(parameter, body.getValue(parameter.getName()));
      if (wrong != null) {
        return action + ": " + parameter.getName() + " " + wrong;
      }
    }
    return null;
  }

  private static String wrong(Parameter parameter, Object value) {
    Class<?> type = parameter.getType();
    if (value == null) {
      return type.isPrimitive() && !parameter.isAnnotationPresent(Nullable.class) ? "is required" : null;
    }
    if (type == long.class || type == Long.class) {
      return integral(value, Long.MIN_VALUE, Long.MAX_VALUE);
    }
    if (type == int.class || type == Integer.class) {
      return integral(value, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }
    if (type == double.class || type == Double.class) {
      return value instanceof Number n && Double.isFinite(n.doubleValue()) ? null : "must be a finite number";
    }
    if (type == boolean.class || type == Boolean.class) {
      return value instanceof Boolean ? null : "must be true or false";
    }
    if (type == String.class) {
      return value instanceof String ? null : "must be a string";
    }
    if (type == JsonObject.class) {
      return value instanceof JsonObject ? null : "must be a JSON object";
    }
    if (type == JsonArray.class) {
      return value instanceof JsonArray ? null : "must be a JSON array";
    }
    return null; // a type this check does not know: the handler's own conversion applies
  }

  private static String integral(Object value, long min, long max) {
    String bounds = "must be a whole number from " + min + " to " + max;
    if (!(value instanceof Number number)) {
      return bounds;
    }
    BigDecimal exact;
    try {
      exact = number instanceof BigDecimal d ? d
          : number instanceof BigInteger i ? new BigDecimal(i)
          : number instanceof Double || number instanceof Float ? new BigDecimal(number.doubleValue())
          : BigDecimal.valueOf(number.longValue());
    } catch (NumberFormatException notFinite) {
      return bounds;
    }
    if (exact.signum() != 0 && exact.stripTrailingZeros().scale() > 0) {
      return bounds;
    }
    return exact.compareTo(BigDecimal.valueOf(min)) < 0 || exact.compareTo(BigDecimal.valueOf(max)) > 0
        ? bounds : null;
  }

  private static String abbreviated(String text) {
    String printable = text.replaceAll("[^\\x20-\\x7e]", "?");
    return printable.length() <= 40 ? printable : printable.substring(0, 40) + "…";
  }
}
