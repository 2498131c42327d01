package io.consolidb.restaurant;

import static io.consolidb.http.KnownRestaurants.CENTRE_LAT;
import static io.consolidb.http.KnownRestaurants.CENTRE_LNG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.consolidb.FailureCodes;
import io.consolidb.http.KnownRestaurants.Seed;
import io.consolidb.http.KnownRestaurants;
import io.consolidb.http.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.serviceproxy.ServiceException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The restaurant service through its event-bus proxy, served by the real query verticle over a
 * private, migrated schema of the test database seeded with {@link KnownRestaurants}.
 */
@ExtendWith(VertxExtension.class)
class RestaurantServiceTest {

  /** The fields of a restaurant as every caller sees them (the SQL's columns are package-private). */
  private static final List<String> FIELDS = List.of("id", "name", "address", "city", "state",
      "postal_code", "phone", "website", "kosher_category", "certifying_agency", "hours",
      "price_range", "rating", "status", "latitude", "longitude", "created_at", "updated_at", "time_zone");

  private static TestNode node;
  private RestaurantService service;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("restaurant_svc");
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext ctx) {
    node.reseed();
    service = RestaurantService.createProxy(vertx, 5000);
    TestNode.deployServices(vertx, node.config(0, "")).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @DisplayName("get returns the stored restaurant with every column, snake_case")
  void get_existing(VertxTestContext ctx) {
    Seed deli = KnownRestaurants.byName("Times Square Deli");
    service.get(KnownRestaurants.id(deli)).onComplete(ctx.succeeding(row -> ctx.verify(() -> {
      assertThat(row.fieldNames()).containsExactlyInAnyOrderElementsOf(FIELDS);
      assertThat(row.getLong("id")).isEqualTo(1L);
      assertThat(row.getString("name")).isEqualTo("Times Square Deli");
      assertThat(row.getString("city")).isEqualTo("New York");
      assertThat(row.getString("kosher_category")).isEqualTo("meat");
      assertThat(row.getInteger("price_range")).isEqualTo(2);
      assertThat(row.getDouble("rating")).isEqualTo(4.5);
      assertThat(row.getString("status")).isEqualTo("open");
      assertThat(row.getDouble("latitude")).isEqualTo(deli.latitude());
      assertThat(row.getDouble("longitude")).isEqualTo(deli.longitude());
      assertThat(row.getValue("hours")).isNull();
      assertThat(OffsetDateTime.parse(row.getString("created_at"))).isNotNull();
      ctx.completeNow();
    })));
  }

  @Test
  @DisplayName("get of an id that does not exist fails with 404")
  void get_missing(VertxTestContext ctx) {
    expectFailure(ctx, service.get(9999), FailureCodes.NOT_FOUND, null);
  }

  @Test
  @DisplayName("get of id 0 fails with 400 naming id")
  void get_nonPositiveId(VertxTestContext ctx) {
    expectFailure(ctx, service.get(0), FailureCodes.INVALID_INPUT, "id");
  }

  @Test
  @DisplayName("near returns the restaurants inside the radius, nearest first, each with its distance")
  void near_sortedWithDistance(VertxTestContext ctx) {
    List<Seed> expected = KnownRestaurants.near(KnownRestaurants.MANHATTAN_RADIUS_KM);
    assertThat(expected).hasSize(5); // the fixture itself: Brooklyn lies outside
    service.near(CENTRE_LAT, CENTRE_LNG, KnownRestaurants.MANHATTAN_RADIUS_KM, 50)
        .onComplete(ctx.succeeding(result -> ctx.verify(() -> {
          JsonArray items = result.getJsonArray("items");
          assertThat(result.getInteger("count")).isEqualTo(expected.size());
          assertThat(names(items)).containsExactlyElementsOf(expected.stream().map(Seed::name).toList());
          double previous = -1;
          for (int i = 0; i < items.size(); i++) {
            JsonObject item = items.getJsonObject(i);
            double distance = item.getDouble("distance_km");
            assertThat(distance).isGreaterThanOrEqualTo(previous);
            assertThat(distance).isCloseTo(expected.get(i).distanceKmFrom(CENTRE_LAT, CENTRE_LNG), within(0.01));
            previous = distance;
          }
          assertThat(items.getJsonObject(0).getDouble("distance_km")).isEqualTo(0.0);
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("near stops at the limit, keeping the nearest")
  void near_limit(VertxTestContext ctx) {
    service.near(CENTRE_LAT, CENTRE_LNG, 50, 2).onComplete(ctx.succeeding(result -> ctx.verify(() -> {
      assertThat(names(result.getJsonArray("items"))).containsExactly("Times Square Deli", "Bryant Park Grill");
      assertThat(result.getInteger("count")).isEqualTo(2);
      ctx.completeNow();
    })));
  }

  @Test
  @DisplayName("near a point with nothing around returns an empty list")
  void near_nothing(VertxTestContext ctx) {
    service.near(0, 0, 100, 10).onComplete(ctx.succeeding(result -> ctx.verify(() -> {
      assertThat(result).isEqualTo(new JsonObject().put("items", new JsonArray()).put("count", 0));
      ctx.completeNow();
    })));
  }

  static Stream<Arguments> invalidNear() {
    return Stream.of(
        Arguments.of(999, CENTRE_LNG, 1, 10, "latitude"),
        Arguments.of(-90.5, CENTRE_LNG, 1, 10, "latitude"),
        Arguments.of(CENTRE_LAT, 180.01, 1, 10, "longitude"),
        Arguments.of(CENTRE_LAT, CENTRE_LNG, -1, 10, "radiusKm"),
        Arguments.of(CENTRE_LAT, CENTRE_LNG, 0, 10, "radiusKm"),
        Arguments.of(CENTRE_LAT, CENTRE_LNG, 100.5, 10, "radiusKm"),
        Arguments.of(CENTRE_LAT, CENTRE_LNG, 1, 0, "limit"),
        Arguments.of(CENTRE_LAT, CENTRE_LNG, 1, 201, "limit"));
  }

  @ParameterizedTest(name = "near({0}, {1}, {2}, {3}) fails with 400 naming {4}")
  @MethodSource("invalidNear")
  @DisplayName("near refuses out-of-range arguments with 400 naming the parameter")
  void near_invalid(double lat, double lng, double radiusKm, int limit, String parameter, VertxTestContext ctx) {
    expectFailure(ctx, service.near(lat, lng, radiusKm, limit), FailureCodes.INVALID_INPUT, parameter);
  }

  @Test
  @DisplayName("byCity pages through a city's restaurants by name, case-insensitively, telling whether more follow")
  void byCity_pages(VertxTestContext ctx) {
    List<String> all = KnownRestaurants.newYorkNames();
    assertThat(all).hasSize(5);
    service.byCity("NEW YORK", 1, 2)
        .compose(page1 -> {
          ctx.verify(() -> {
            assertThat(names(page1.getJsonArray("items"))).containsExactlyElementsOf(all.subList(0, 2));
            assertThat(page1.getInteger("count")).isEqualTo(2);
            assertThat(page1.getInteger("page")).isEqualTo(1);
            assertThat(page1.getInteger("size")).isEqualTo(2);
            assertThat(page1.getBoolean("has_more")).isTrue();
          });
          return service.byCity(" new york ", 3, 2);
        })
        .compose(page3 -> {
          ctx.verify(() -> {
            assertThat(names(page3.getJsonArray("items"))).containsExactlyElementsOf(all.subList(4, 5));
            assertThat(page3.getInteger("count")).isEqualTo(1);
            assertThat(page3.getBoolean("has_more")).isFalse();
          });
          return service.byCity("New York", 4, 2);
        })
        .onComplete(ctx.succeeding(page4 -> ctx.verify(() -> {
          assertThat(page4.getJsonArray("items")).isEmpty();
          assertThat(page4.getInteger("count")).isZero();
          assertThat(page4.getBoolean("has_more")).isFalse();
          ctx.completeNow();
        })));
  }

  static Stream<Arguments> invalidByCity() {
    return Stream.of(
        Arguments.of("  ", 1, 10, "city"),
        Arguments.of("x".repeat(101), 1, 10, "city"),
        Arguments.of("New York", 0, 10, "page"),
        Arguments.of("New York", 10_001, 10, "page"),
        Arguments.of("New York", 1, 0, "size"),
        Arguments.of("New York", 1, 100_000, "size"));
  }

  @ParameterizedTest(name = "byCity(\"{0}\", {1}, {2}) fails with 400 naming {3}")
  @MethodSource("invalidByCity")
  @DisplayName("byCity refuses invalid arguments with 400 naming the parameter")
  void byCity_invalid(String city, int page, int size, String parameter, VertxTestContext ctx) {
    expectFailure(ctx, service.byCity(city, page, size), FailureCodes.INVALID_INPUT, parameter);
  }

  @Test
  @DisplayName("byCity with a null city fails with 400 naming city")
  void byCity_nullCity(VertxTestContext ctx) {
    expectFailure(ctx, service.byCity(null, 1, 10), FailureCodes.INVALID_INPUT, "city");
  }

  @Test
  @DisplayName("search finds restaurants by stemmed words of their name, best first, without the rank column")
  void search_finds(VertxTestContext ctx) {
    service.search("bagel", 10)
        .compose(bagels -> {
          ctx.verify(() -> {
            assertThat(names(bagels.getJsonArray("items"))).containsExactly("Empire Bagels");
            assertThat(bagels.getInteger("count")).isEqualTo(1);
            assertThat(bagels.getJsonArray("items").getJsonObject(0).fieldNames())
                .containsExactlyInAnyOrderElementsOf(FIELDS);
          });
          return service.search("grill", 10);
        })
        .compose(grills -> {
          ctx.verify(() -> assertThat(names(grills.getJsonArray("items")))
              .containsExactlyInAnyOrder("Bryant Park Grill", "Brooklyn Kosher Grill"));
          return service.search("grill", 1);
        })
        .compose(one -> {
          ctx.verify(() -> assertThat(one.getInteger("count")).isEqualTo(1));
          return service.search("sushi", 10);
        })
        .onComplete(ctx.succeeding(none -> ctx.verify(() -> {
          assertThat(none.getJsonArray("items")).isEmpty();
          assertThat(none.getInteger("count")).isZero();
          ctx.completeNow();
        })));
  }

  static Stream<Arguments> invalidSearch() {
    return Stream.of(
        Arguments.of("", 10, "query"),
        Arguments.of("   ", 10, "query"),
        Arguments.of("x".repeat(201), 10, "query"),
        Arguments.of("pizza", 0, "limit"),
        Arguments.of("pizza", 201, "limit"));
  }

  @ParameterizedTest(name = "search(\"{0}\", {1}) fails with 400 naming {2}")
  @MethodSource("invalidSearch")
  @DisplayName("search refuses invalid arguments with 400 naming the parameter")
  void search_invalid(String query, int limit, String parameter, VertxTestContext ctx) {
    expectFailure(ctx, service.search(query, limit), FailureCodes.INVALID_INPUT, parameter);
  }

  @Test
  @DisplayName("create stores a restaurant, normalized, and get returns the same row")
  void create_stores(VertxTestContext ctx) {
    JsonObject input = new JsonObject()
        .put("name", "  Harlem Shawarma ")
        .put("city", "New York")
        .put("address", "200 W 125th St")
        .put("state", "NY")
        .put("postal_code", "10027")
        .put("phone", "+1 212 555 0100")
        .put("website", "https://harlem-shawarma.example")
        .put("kosher_category", "Meat")
        .put("certifying_agency", "OK Kosher")
        .put("hours", new JsonObject().put("mon", "11:00-22:00"))
        .put("price_range", 2)
        .put("rating", 4.25)
        .put("latitude", 40.8094)
        .put("longitude", -73.9482);
    service.create(input)
        .compose(created -> {
          ctx.verify(() -> {
            assertThat(created.getLong("id")).isEqualTo(KnownRestaurants.ALL.size() + 1L);
            assertThat(created.getString("name")).isEqualTo("Harlem Shawarma");
            assertThat(created.getString("kosher_category")).isEqualTo("meat");
            assertThat(created.getString("status")).isEqualTo("open");
            assertThat(created.getJsonObject("hours")).isEqualTo(new JsonObject().put("mon", "11:00-22:00"));
            assertThat(created.getInteger("price_range")).isEqualTo(2);
            assertThat(created.getDouble("rating")).isIn(4.2, 4.3); // numeric(2,1)
            assertThat(created.getDouble("latitude")).isEqualTo(40.8094);
            assertThat(created.getString("created_at")).isNotBlank();
          });
          return service.get(created.getLong("id")).map(stored -> {
            ctx.verify(() -> assertThat(stored).isEqualTo(created));
            return stored;
          });
        })
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @DisplayName("create with only the required fields defaults the rest")
  void create_minimal(VertxTestContext ctx) {
    service.create(new JsonObject().put("name", "Corner Cafe").put("city", "Miami")
            .put("latitude", 25.77).put("longitude", -80.19))
        .onComplete(ctx.succeeding(created -> ctx.verify(() -> {
          assertThat(created.getString("status")).isEqualTo("open");
          assertThat(created.getValue("address")).isNull();
          assertThat(created.getValue("rating")).isNull();
          ctx.completeNow();
        })));
  }

  static Stream<Arguments> invalidCreate() {
    Function<JsonObject, JsonObject> valid = changes -> new JsonObject().put("name", "Cafe").put("city", "Miami")
        .put("latitude", 25.77).put("longitude", -80.19).mergeIn(changes);
    return Stream.of(
        Arguments.of(valid.apply(new JsonObject().put("colour", "red")), "colour"),
        Arguments.of(valid.apply(new JsonObject().put("id", 7)), "id"),
        Arguments.of(valid.apply(new JsonObject().put("created_at", "2020-01-01T00:00:00Z")), "created_at"),
        Arguments.of(valid.apply(new JsonObject().put("latitude", "25.77")), "latitude"),
        Arguments.of(valid.apply(new JsonObject().put("latitude", 999)), "latitude"),
        Arguments.of(valid.apply(new JsonObject().put("longitude", -181)), "longitude"),
        Arguments.of(valid.apply(new JsonObject().put("name", "   ")), "name"),
        Arguments.of(valid.apply(new JsonObject().put("name", "n".repeat(201))), "name"),
        Arguments.of(valid.apply(new JsonObject().put("city", 12)), "city"),
        Arguments.of(valid.apply(new JsonObject().put("price_range", 5)), "price_range"),
        Arguments.of(valid.apply(new JsonObject().put("price_range", 2.5)), "price_range"),
        Arguments.of(valid.apply(new JsonObject().put("price_range", 0)), "price_range"),
        Arguments.of(valid.apply(new JsonObject().put("rating", 5.5)), "rating"),
        Arguments.of(valid.apply(new JsonObject().put("rating", -0.1)), "rating"),
        Arguments.of(valid.apply(new JsonObject().put("kosher_category", "vegan")), "kosher_category"),
        Arguments.of(valid.apply(new JsonObject().put("status", "gone")), "status"),
        Arguments.of(valid.apply(new JsonObject().put("hours", "9-5")), "hours"),
        Arguments.of(valid.apply(new JsonObject().put("website", "w".repeat(501))), "website"),
        Arguments.of(new JsonObject().put("name", "Cafe").put("city", "Miami").put("latitude", 25.77), "longitude"),
        Arguments.of(valid.apply(new JsonObject().put("latitude", null)), "latitude"));
  }

  @ParameterizedTest(name = "create({0}) fails with 400 naming {1}")
  @MethodSource("invalidCreate")
  @DisplayName("create refuses invalid, unknown and read-only fields with 400 naming the field")
  void create_invalid(JsonObject restaurant, String parameter, VertxTestContext ctx) {
    expectFailure(ctx, service.create(restaurant), FailureCodes.INVALID_INPUT, parameter);
  }

  @Test
  @DisplayName("create without several required fields names them all")
  void create_missingSeveral(VertxTestContext ctx) {
    service.create(new JsonObject().put("name", "Cafe")).onComplete(ctx.failing(failure -> ctx.verify(() -> {
      ServiceException e = (ServiceException) failure;
      assertThat(e.failureCode()).isEqualTo(FailureCodes.INVALID_INPUT);
      assertThat(e.getDebugInfo().getJsonArray("parameters"))
          .containsExactly("city", "latitude", "longitude");
      assertThat(e.getMessage()).contains("city", "latitude", "longitude");
      ctx.completeNow();
    })));
  }

  @Test
  @DisplayName("create with two unknown fields names both")
  void create_unknownSeveral(VertxTestContext ctx) {
    JsonObject input = new JsonObject().put("name", "Cafe").put("city", "Miami").put("latitude", 1)
        .put("longitude", 1).put("zeta", 1).put("alpha", 2);
    service.create(input).onComplete(ctx.failing(failure -> ctx.verify(() -> {
      ServiceException e = (ServiceException) failure;
      assertThat(e.failureCode()).isEqualTo(FailureCodes.INVALID_INPUT);
      assertThat(e.getDebugInfo().getJsonArray("parameters")).containsExactly("alpha", "zeta");
      ctx.completeNow();
    })));
  }

  @Test
  @DisplayName("create with many unknown fields names ten of them and counts the rest")
  void create_manyUnknown(VertxTestContext ctx) {
    JsonObject input = new JsonObject().put("name", "Cafe").put("city", "Miami").put("latitude", 1)
        .put("longitude", 1);
    for (int i = 10; i < 35; i++) {
      input.put("field" + i, i);
    }
    service.create(input).onComplete(ctx.failing(failure -> ctx.verify(() -> {
      ServiceException e = (ServiceException) failure;
      assertThat(e.failureCode()).isEqualTo(FailureCodes.INVALID_INPUT);
      assertThat(e.getDebugInfo().getJsonArray("parameters")).hasSize(10).contains("field10");
      assertThat(e.getMessage()).contains("(and 15 more)");
      ctx.completeNow();
    })));
  }

  @Test
  @DisplayName("update changes the given fields, clears those set to null and keeps the others")
  void update_patches(VertxTestContext ctx) {
    long id = KnownRestaurants.id(KnownRestaurants.byName("Empire Bagels"));
    JsonObject changes = new JsonObject().put("rating", 4.8).put("status", "temporarily_closed")
        .put("address", null).put("hours", new JsonObject().put("sun", "08:00-14:00"));
    service.update(id, changes)
        .compose(updated -> {
          ctx.verify(() -> {
            assertThat(updated.getLong("id")).isEqualTo(id);
            assertThat(updated.getDouble("rating")).isEqualTo(4.8);
            assertThat(updated.getString("status")).isEqualTo("temporarily_closed");
            assertThat(updated.getValue("address")).isNull();
            assertThat(updated.getJsonObject("hours")).isEqualTo(new JsonObject().put("sun", "08:00-14:00"));
            assertThat(updated.getString("name")).isEqualTo("Empire Bagels");
            assertThat(updated.getString("kosher_category")).isEqualTo("dairy");
            assertThat(OffsetDateTime.parse(updated.getString("updated_at")))
                .isAfter(OffsetDateTime.parse(updated.getString("created_at")));
          });
          return service.update(id, new JsonObject().put("hours", null));
        })
        .compose(cleared -> {
          ctx.verify(() -> assertThat(cleared.getValue("hours")).isNull());
          return service.get(id);
        })
        .onComplete(ctx.succeeding(stored -> ctx.verify(() -> {
          assertThat(stored.getString("status")).isEqualTo("temporarily_closed");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("update of an id that does not exist fails with 404")
  void update_missing(VertxTestContext ctx) {
    expectFailure(ctx, service.update(9999, new JsonObject().put("rating", 3)), FailureCodes.NOT_FOUND, null);
  }

  static Stream<Arguments> invalidUpdate() {
    return Stream.of(
        Arguments.of(new JsonObject(), "changes"),
        Arguments.of(new JsonObject().put("name", null), "name"),
        Arguments.of(new JsonObject().put("latitude", null), "latitude"),
        Arguments.of(new JsonObject().put("status", null), "status"),
        Arguments.of(new JsonObject().put("rating", 9), "rating"),
        Arguments.of(new JsonObject().put("nickname", "x"), "nickname"),
        Arguments.of(new JsonObject().put("updated_at", "2020-01-01T00:00:00Z"), "updated_at"));
  }

  @ParameterizedTest(name = "update({0}) fails with 400 naming {1}")
  @MethodSource("invalidUpdate")
  @DisplayName("update refuses empty, invalid, unknown and read-only changes with 400 naming the field")
  void update_invalid(JsonObject changes, String parameter, VertxTestContext ctx) {
    expectFailure(ctx, service.update(1, changes), FailureCodes.INVALID_INPUT, parameter);
  }

  @Test
  @DisplayName("delete removes the restaurant; a second delete and a get then fail with 404")
  void delete_removes(VertxTestContext ctx) {
    long id = KnownRestaurants.id(KnownRestaurants.byName("Chicago Deep Dish"));
    service.delete(id)
        .compose(deleted -> {
          ctx.verify(() -> assertThat(deleted).isEqualTo(new JsonObject().put("id", id).put("deleted", true)));
          return service.delete(id);
        })
        .recover(failure -> {
          ctx.verify(() -> assertThat(((ServiceException) failure).failureCode()).isEqualTo(FailureCodes.NOT_FOUND));
          return service.get(id);
        })
        .onComplete(ctx.failing(failure -> ctx.verify(() -> {
          assertThat(((ServiceException) failure).failureCode()).isEqualTo(FailureCodes.NOT_FOUND);
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("delete of id -1 fails with 400 naming id")
  void delete_invalidId(VertxTestContext ctx) {
    expectFailure(ctx, service.delete(-1), FailureCodes.INVALID_INPUT, "id");
  }

  private static List<String> names(JsonArray items) {
    return items.stream().map(item -> ((JsonObject) item).getString("name")).toList();
  }

  /** The call fails with a ServiceException carrying {@code code} and, for 400, the parameter's name. */
  private static void expectFailure(VertxTestContext ctx, Future<?> call, int code, String parameter) {
    call.onComplete(ctx.failing(failure -> ctx.verify(() -> {
      assertThat(failure).isInstanceOf(ServiceException.class);
      ServiceException e = (ServiceException) failure;
      assertThat(e.failureType()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
      assertThat(e.failureCode()).as("failure code of: %s", e.getMessage()).isEqualTo(code);
      if (parameter != null) {
        assertThat(e.getDebugInfo()).as("debug info of: %s", e.getMessage()).isNotNull();
        assertThat(e.getDebugInfo().getString("parameter")).isEqualTo(parameter);
        assertThat(e.getMessage()).contains(parameter);
      }
      ctx.completeNow();
    })));
  }
}
