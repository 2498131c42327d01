package io.consolidb.analytics;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A small event set with hand-computed reports, over the known restaurants (1 Times Square Deli,
 * 2 Bryant Park Grill, 3 Empire Bagels). Window {@link #FROM}..{@link #TO} covers 2025-03-01 to
 * 2025-03-04 (UTC); one event lies just before and one exactly at the end (excluded).
 *
 * <pre>
 * day         events (type user restaurant)                   views  active users
 * 2025-02-28  view u5 r3 (23:59:59Z, outside)
 * 2025-03-01  view u1 r1 ×3, view u2 r2, search u1,
 *             click u3 r1 (2025-03-02T01:30+03:00 = 03-01 22:30Z)  4      3 (u1 u2 u3)
 * 2025-03-02  view u1 r2 ×2, view u3 r2 ×2, view – r3,
 *             favorite u3 r3                                    5      2 (u1 u3)
 * 2025-03-03  –                                                 0      0
 * 2025-03-04  view u4 r1, search u2 ×2                          1      2 (u4 u2)
 * 2025-03-05  view u5 r3 (00:00:00Z, outside: to is exclusive)
 * </pre>
 *
 * Top by views: r2 5, r1 4, r3 1. Counts: 03-01 click 1, search 1, view 4; 03-02 favorite 1,
 * view 5; 03-04 search 2, view 1 (15 in all, 10 views). Restaurant 2 per day: 1, 4, 0, 0.
 */
public final class KnownEvents {

  public static final String FROM = "2025-03-01";
  public static final String TO = "2025-03-05";

  private KnownEvents() {
  }

  public static JsonArray all() {
    JsonArray events = new JsonArray();
    events.add(event("view", 5, 3, "2025-02-28T23:59:59Z"));
    for (int i = 0; i < 3; i++) {
      events.add(event("view", 1, 1, "2025-03-01T09:0" + i + ":00Z"));
    }
    events.add(event("view", 2, 2, "2025-03-01T10:00:00+02:00"));
    events.add(event("search", 1, null, "2025-03-01T11:00:00Z").put("properties", new JsonObject().put("q", "deli")));
    events.add(event("click", 3, 1, "2025-03-02T01:30:00+03:00"));
    events.add(event("view", 1, 2, "2025-03-02T08:00:00Z"));
    events.add(event("view", 1, 2, "2025-03-02T08:05:00Z"));
    events.add(event("view", 3, 2, "2025-03-02T12:00:00Z"));
    events.add(event("view", 3, 2, "2025-03-02T12:30:00Z"));
    events.add(event("view", null, 3, "2025-03-02T13:00:00Z"));
    events.add(event("favorite", 3, 3, "2025-03-02T13:05:00Z"));
    events.add(event("view", 4, 1, "2025-03-04T23:59:59.999Z"));
    events.add(event("search", 2, null, "2025-03-04T07:00:00Z"));
    events.add(event("search", 2, null, "2025-03-04T07:10:00Z"));
    events.add(event("view", 5, 3, "2025-03-05T00:00:00Z"));
    return events;
  }

  public static JsonObject event(String type, Integer user, Integer restaurant, String occurredAt) {
    JsonObject event = new JsonObject().put("type", type).put("occurred_at", occurredAt);
    if (user != null) {
      event.put("user_id", user);
    }
    if (restaurant != null) {
      event.put("restaurant_id", restaurant);
    }
    return event;
  }

  public static JsonObject top(long id, String name, long views) {
    return new JsonObject().put("restaurant_id", id).put("name", name).put("views", views);
  }

  public static JsonObject count(String day, String type, long count) {
    return new JsonObject().put("day", day).put("type", type).put("count", count);
  }

  public static JsonArray expectedTop() {
    return JsonArray.of(top(2, "Bryant Park Grill", 5), top(1, "Times Square Deli", 4), top(3, "Empire Bagels", 1));
  }

  public static JsonArray expectedActiveUsers() {
    return JsonArray.of(
        new JsonObject().put("day", "2025-03-01").put("active_users", 3),
        new JsonObject().put("day", "2025-03-02").put("active_users", 2),
        new JsonObject().put("day", "2025-03-03").put("active_users", 0),
        new JsonObject().put("day", "2025-03-04").put("active_users", 2));
  }

  public static JsonArray expectedCounts() {
    return JsonArray.of(
        count("2025-03-01", "click", 1), count("2025-03-01", "search", 1), count("2025-03-01", "view", 4),
        count("2025-03-02", "favorite", 1), count("2025-03-02", "view", 5),
        count("2025-03-04", "search", 2), count("2025-03-04", "view", 1));
  }

  public static JsonArray expectedViewCounts() {
    return JsonArray.of(count("2025-03-01", "view", 4), count("2025-03-02", "view", 5), count("2025-03-04", "view", 1));
  }

  public static JsonArray expectedRestaurant2Views() {
    return JsonArray.of(
        new JsonObject().put("day", "2025-03-01").put("views", 1),
        new JsonObject().put("day", "2025-03-02").put("views", 4),
        new JsonObject().put("day", "2025-03-03").put("views", 0),
        new JsonObject().put("day", "2025-03-04").put("views", 0));
  }
}
