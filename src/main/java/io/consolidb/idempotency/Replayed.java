package io.consolidb.idempotency;

import io.vertx.core.json.JsonObject;

/**
 * A write's answer that was stored under its idempotency key and returned again, without writing.
 * An in-process caller (the HTTP API on a node that serves the service) asks {@link #is} and
 * answers {@code Idempotency-Replayed: true}. It is the JSON answer itself: over the event bus it
 * travels as a plain JSON object, the same body as the first answer.
 *
 * <p>Equal to any JSON object with the same content (JsonObject's own equality also compares
 * classes).
 */
public final class Replayed extends JsonObject {

  private Replayed(JsonObject answer) {
    super(answer.getMap());
  }

  /** {@code answer} (its content, not a copy) marked as a replay. */
  public static Replayed of(JsonObject answer) {
    return new Replayed(answer);
  }

  /** True when {@code answer} is a stored answer returned again. */
  public static boolean is(Object answer) {
    return answer instanceof Replayed;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof JsonObject json && new JsonObject(getMap()).equals(new JsonObject(json.getMap()));
  }

  @Override
  public int hashCode() {
    return super.hashCode();
  }
}
