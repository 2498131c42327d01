package io.consolidb.idempotency;

import io.consolidb.service.InputCheck;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an idempotency key is: its syntax (the same for HTTP's {@code Idempotency-Key} header and
 * for the event-bus methods' {@code idempotencyKey} argument) and the fingerprint of the request
 * it was first used with.
 */
public final class IdempotencyKeys {

  /** The longest key accepted, in characters. */
  public static final int MAX_LENGTH = 255;
  /** The name of the key among a service method's parameters (the HTTP API calls it {@code Idempotency-Key}). */
  public static final String PARAMETER = "idempotencyKey";

  private IdempotencyKeys() {
  }

  /**
   * {@code key} when it is 1 to {@link #MAX_LENGTH} visible ASCII characters ({@code !} to
   * {@code ~}: no space, no control character), else a 400 naming {@link #PARAMETER}. The key is
   * never quoted back: it may be anything a client had at hand.
   */
  public static String check(String key) {
    boolean valid = key != null && !key.isEmpty() && key.length() <= MAX_LENGTH
        && key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e);
    if (!valid) {
      throw InputCheck.invalid(PARAMETER, PARAMETER + " must be 1 to " + MAX_LENGTH
          + " visible ASCII characters (no spaces or control characters)");
    }
    return key;
  }

  /**
   * SHA-256 (hex) of the operation and its arguments as canonical JSON (object keys sorted at every
   * level): the same request gives the same fingerprint whatever the order of its fields, a
   * different value anywhere gives another. Computed over the arguments as received, not as
   * validated, because validation may fill in the current time (an event's {@code occurred_at}).
   */
  public static String fingerprint(String operation, Object... arguments) {
    List<Object> canonical = new ArrayList<>(arguments.length + 1);
    canonical.add(operation);
    for (Object argument : arguments) {
      canonical.add(canonical(argument));
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(new JsonArray(canonical).encode().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  private static Object canonical(Object value) {
    if (value instanceof JsonObject object) {
      return canonical(object.getMap());
    }
    if (value instanceof Map<?, ?> map) {
      TreeMap<String, Object> sorted = new TreeMap<>();
      map.forEach((k, v) -> sorted.put(String.valueOf(k), canonical(v)));
      return new JsonObject(new LinkedHashMap<>(sorted));
    }
    if (value instanceof JsonArray array) {
      return canonical(array.getList());
    }
    if (value instanceof List<?> list) {
      List<Object> items = new ArrayList<>(list.size());
      list.forEach(item -> items.add(canonical(item)));
      return new JsonArray(items);
    }
    return value;
  }
}
