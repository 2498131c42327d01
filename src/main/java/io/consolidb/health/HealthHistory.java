package io.consolidb.health;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * The recent past, bounded: one summary per round of checks and one entry per level change, at
 * most {@code size} of each. Confined to the health verticle's context.
 */
final class HealthHistory {

  private final int size;
  private final Deque<JsonObject> rounds = new ArrayDeque<>();
  private final Deque<JsonObject> transitions = new ArrayDeque<>();

  HealthHistory(int size) {
    this.size = size;
  }

  void addRound(JsonObject summary) {
    add(rounds, summary);
  }

  void addTransition(JsonObject transition) {
    add(transitions, transition);
  }

  /** {@code {checks: […], transitions: […]}}, newest first, at most {@code limit} of each. */
  JsonObject toJson(int limit) {
    return new JsonObject()
        .put("checks", newest(rounds, limit))
        .put("transitions", newest(transitions, limit));
  }

  private void add(Deque<JsonObject> ring, JsonObject entry) {
    if (ring.size() == size) {
      ring.removeFirst();
    }
    ring.addLast(entry);
  }

  private static JsonArray newest(Deque<JsonObject> ring, int limit) {
    JsonArray out = new JsonArray();
    Iterator<JsonObject> it = ring.descendingIterator();
    while (it.hasNext() && out.size() < limit) {
      out.add(it.next().copy());
    }
    return out;
  }
}
