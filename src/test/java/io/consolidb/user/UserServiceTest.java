package io.consolidb.user;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.FailureCodes;
import io.consolidb.http.TestNode;
import io.consolidb.restaurant.RestaurantService;
import io.consolidb.testsupport.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.serviceproxy.ServiceException;
import java.sql.Connection;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * The user service through its event-bus proxy, served by the real query verticle over a
 * private, migrated schema seeded with the known restaurants (ids 1–8) and no users.
 */
@ExtendWith(VertxExtension.class)
class UserServiceTest {

  /** The fields of a user as every caller sees them (the SQL's columns are package-private). */
  private static final List<String> FIELDS = List.of("id", "email", "display_name", "home_city",
      "preferences", "created_at", "updated_at");

  private static TestNode node;
  private UserService service;
  private RestaurantService restaurants;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("user_svc");
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext ctx) {
    node.reseed();
    node.execute("TRUNCATE users RESTART IDENTITY CASCADE", "DROP TRIGGER IF EXISTS refuse_delete ON users");
    service = UserService.createProxy(vertx, 5000);
    restaurants = RestaurantService.createProxy(vertx, 5000);
    TestNode.deployServices(vertx, node.config(0, "")).onComplete(ctx.succeedingThenComplete());
  }

  private static JsonObject ada() {
    return new JsonObject().put("email", "Ada@Example.com").put("display_name", " Ada ").put("home_city", "Brooklyn")
        .put("preferences", new JsonObject().put("kosher_category", "Dairy").put("price_range", 2));
  }

  @Test
  @DisplayName("create stores the user and returns every column, snake_case, normalized")
  void create_returnsStoredUser(VertxTestContext ctx) {
    service.create(ada()).onComplete(ctx.succeeding(user -> ctx.verify(() -> {
      assertThat(user.fieldNames()).containsExactlyInAnyOrderElementsOf(FIELDS);
      assertThat(user.getLong("id")).isEqualTo(1L);
      assertThat(user.getString("email")).isEqualTo("Ada@Example.com");
      assertThat(user.getString("display_name")).isEqualTo("Ada");
      assertThat(user.getString("home_city")).isEqualTo("Brooklyn");
      assertThat(user.getJsonObject("preferences"))
          .isEqualTo(new JsonObject().put("kosher_category", "dairy").put("price_range", 2));
      assertThat(OffsetDateTime.parse(user.getString("created_at"))).isNotNull();
      ctx.completeNow();
    })));
  }

  @Test
  @DisplayName("create with only an email gives empty preferences and null optional fields")
  void create_minimal(VertxTestContext ctx) {
    service.create(new JsonObject().put("email", "min@example.org")).onComplete(ctx.succeeding(user -> ctx.verify(() -> {
      assertThat(user.getValue("display_name")).isNull();
      assertThat(user.getValue("home_city")).isNull();
      assertThat(user.getJsonObject("preferences")).isEqualTo(new JsonObject());
      ctx.completeNow();
    })));
  }

  @Test
  @DisplayName("create of an address that exists in another case fails with 409 and stores nothing")
  void create_duplicateEmailCaseInsensitive(VertxTestContext ctx) {
    service.create(ada())
        .compose(first -> service.create(new JsonObject().put("email", "ada@EXAMPLE.com")))
        .onComplete(ctx.failing(failure -> ctx.verify(() -> {
          assertCode(failure, FailureCodes.CONFLICT);
          assertThat(failure.getMessage()).doesNotContainIgnoringCase("ada@example.com");
          assertThat(node.queryLong("SELECT count(*) FROM users")).isEqualTo(1);
          ctx.completeNow();
        })));
  }

  static Stream<Arguments> invalidUsers() {
    return Stream.of(
        Arguments.of(new JsonObject(), "email"),
        Arguments.of(new JsonObject().put("email", "no-at-sign"), "email"),
        Arguments.of(new JsonObject().put("email", "a b@example.com"), "email"),
        Arguments.of(new JsonObject().put("email", 42), "email"),
        Arguments.of(new JsonObject().put("email", "x".repeat(250) + "@example.com"), "email"),
        Arguments.of(new JsonObject().put("email", "a@example.com").put("display_name", "x".repeat(101)), "display_name"),
        Arguments.of(new JsonObject().put("email", "a@example.com").put("home_city", 7), "home_city"),
        Arguments.of(new JsonObject().put("email", "a@example.com").put("preferences", "dairy"), "preferences"),
        Arguments.of(new JsonObject().put("email", "a@example.com")
            .put("preferences", new JsonObject().put("kosher_category", "shellfish")), "preferences"),
        Arguments.of(new JsonObject().put("email", "a@example.com")
            .put("preferences", new JsonObject().put("price_range", 5)), "preferences"),
        Arguments.of(new JsonObject().put("email", "a@example.com")
            .put("preferences", new JsonObject().put("spiciness", 3)), "preferences"),
        Arguments.of(new JsonObject().put("email", "a@example.com").put("password", "x"), "password"),
        Arguments.of(new JsonObject().put("email", "a@example.com").put("id", 5), "id"));
  }

  @ParameterizedTest
  @MethodSource("invalidUsers")
  @DisplayName("create refuses invalid input with 400 naming the field, storing nothing")
  void create_invalid(JsonObject user, String parameter, VertxTestContext ctx) {
    service.create(user).onComplete(ctx.failing(failure -> ctx.verify(() -> {
      assertInvalid(failure, parameter);
      assertThat(node.queryLong("SELECT count(*) FROM users")).isZero();
      ctx.completeNow();
    })));
  }

  @Test
  @DisplayName("unknown and read-only fields are refused in the same words as by the restaurant service")
  void create_unknownAndReadOnly_sharedWording(VertxTestContext ctx) {
    service.create(new JsonObject().put("email", "a@example.com").put("password", "x").put("id", 5))
        .onComplete(ctx.failing(failure -> ctx.verify(() -> {
          assertCode(failure, FailureCodes.INVALID_INPUT);
          ServiceException e = (ServiceException) failure;
          assertThat(e.getMessage()).isEqualTo("unknown field: password; read-only field: id");
          assertThat(e.getDebugInfo().getJsonArray("parameters")).containsExactly("password", "id");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("an invalid email is refused without echoing the address")
  void create_invalidEmailNotEchoed(VertxTestContext ctx) {
    service.create(new JsonObject().put("email", "secret.person@@example.com"))
        .onComplete(ctx.failing(failure -> ctx.verify(() -> {
          assertInvalid(failure, "email");
          assertThat(failure.getMessage()).doesNotContain("secret.person");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("get returns the user; an unknown id fails with 404; id 0 with 400")
  void get_existingMissingInvalid(VertxTestContext ctx) {
    service.create(ada())
        .compose(created -> service.get(created.getLong("id")))
        .compose(user -> {
          ctx.verify(() -> assertThat(user.getString("display_name")).isEqualTo("Ada"));
          return expectCode(service.get(99), FailureCodes.NOT_FOUND);
        })
        .compose(v -> expectInvalid(service.get(0), "id"))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @DisplayName("update changes only the given fields; null clears; preferences merge key by key")
  void update_partial(VertxTestContext ctx) {
    service.create(ada())
        .compose(created -> service.update(created.getLong("id"), new JsonObject()
            .put("home_city", null)
            .put("preferences", new JsonObject().put("price_range", 4).put("kosher_category", null))))
        .onComplete(ctx.succeeding(user -> ctx.verify(() -> {
          assertThat(user.getString("display_name")).isEqualTo("Ada");
          assertThat(user.getString("email")).isEqualTo("Ada@Example.com");
          assertThat(user.getValue("home_city")).isNull();
          assertThat(user.getJsonObject("preferences")).isEqualTo(new JsonObject().put("price_range", 4));
          assertThat(OffsetDateTime.parse(user.getString("updated_at")))
              .isAfterOrEqualTo(OffsetDateTime.parse(user.getString("created_at")));
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("update with preferences null empties them")
  void update_clearPreferences(VertxTestContext ctx) {
    service.create(ada())
        .compose(created -> service.update(created.getLong("id"), new JsonObject().put("preferences", null)))
        .onComplete(ctx.succeeding(user -> ctx.verify(() -> {
          assertThat(user.getJsonObject("preferences")).isEqualTo(new JsonObject());
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("update to an address another user has (any case) fails with 409 and changes nothing")
  void update_duplicateEmail(VertxTestContext ctx) {
    service.create(ada())
        .compose(a -> service.create(new JsonObject().put("email", "grace@example.com")))
        .compose(grace -> expectCode(service.update(grace.getLong("id"),
            new JsonObject().put("email", "ADA@example.com")), FailureCodes.CONFLICT)
            .compose(v -> service.get(grace.getLong("id"))))
        .onComplete(ctx.succeeding(grace -> ctx.verify(() -> {
          assertThat(grace.getString("email")).isEqualTo("grace@example.com");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("update fails with 404 for an unknown user and 400 for empty, unknown or clearing-email changes")
  void update_failures(VertxTestContext ctx) {
    service.create(ada())
        .compose(a -> expectCode(service.update(99, new JsonObject().put("home_city", "Miami")), FailureCodes.NOT_FOUND))
        .compose(v -> expectInvalid(service.update(1, new JsonObject()), "changes"))
        .compose(v -> expectInvalid(service.update(1, new JsonObject().put("email", null)), "email"))
        .compose(v -> expectInvalid(service.update(1, new JsonObject().put("created_at", "2020-01-01")), "created_at"))
        .compose(v -> expectInvalid(service.update(-3, new JsonObject().put("home_city", "Miami")), "id"))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @DisplayName("delete removes the user and their favourites; a second delete fails with 404")
  void delete_removesFavorites(VertxTestContext ctx) {
    service.create(ada())
        .compose(a -> service.addFavorite(1, 1))
        .compose(f -> service.addFavorite(1, 2))
        .compose(f -> service.delete(1))
        .compose(deleted -> {
          ctx.verify(() -> {
            assertThat(deleted).isEqualTo(new JsonObject().put("id", 1L).put("deleted", true));
            assertThat(node.queryLong("SELECT count(*) FROM favorites")).isZero();
            assertThat(node.queryLong("SELECT count(*) FROM users")).isZero();
          });
          return expectCode(service.delete(1), FailureCodes.NOT_FOUND);
        })
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @DisplayName("a delete that fails half-way rolls back: the favourites deleted first are back")
  void delete_rollsBackOnFailure(VertxTestContext ctx) {
    // The user row refuses to go (a trigger raising a foreign-key violation, as a reference
    // from elsewhere would), after the favourites were deleted in the same transaction.
    node.execute("CREATE OR REPLACE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN RAISE EXCEPTION 'still referenced' USING ERRCODE = 'foreign_key_violation'; END $$",
        "CREATE TRIGGER refuse_delete BEFORE DELETE ON users FOR EACH ROW EXECUTE FUNCTION refuse_delete()");
    service.create(ada())
        .compose(a -> service.addFavorite(1, 3))
        .compose(f -> expectCode(service.delete(1), FailureCodes.CONFLICT))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(node.queryLong("SELECT count(*) FROM favorites WHERE user_id = 1")).isEqualTo(1);
          assertThat(node.queryLong("SELECT count(*) FROM users")).isEqualTo(1);
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("deleting a restaurant removes it from every user's favourites")
  void restaurantDelete_removesFavorites(VertxTestContext ctx) {
    service.create(ada())
        .compose(a -> service.create(new JsonObject().put("email", "grace@example.com")))
        .compose(g -> service.addFavorite(1, 4))
        .compose(f -> service.addFavorite(2, 4))
        .compose(f -> service.addFavorite(2, 5))
        .compose(f -> restaurants.delete(4))
        .compose(d -> service.favorites(2))
        .onComplete(ctx.succeeding(list -> ctx.verify(() -> {
          assertThat(restaurantIds(list)).containsExactly(5L);
          assertThat(node.queryLong("SELECT count(*) FROM favorites WHERE restaurant_id = 4")).isZero();
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("addFavorite is idempotent: added the first time, not the second, one row either way")
  void addFavorite_idempotent(VertxTestContext ctx) {
    service.create(ada())
        .compose(a -> service.addFavorite(1, 2))
        .compose(first -> {
          ctx.verify(() -> assertThat(first).isEqualTo(new JsonObject()
              .put("user_id", 1L).put("restaurant_id", 2L).put("added", true)));
          return service.addFavorite(1, 2);
        })
        .onComplete(ctx.succeeding(second -> ctx.verify(() -> {
          assertThat(second.getBoolean("added")).isFalse();
          assertThat(node.queryLong("SELECT count(*) FROM favorites")).isEqualTo(1);
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("20 concurrent adds of the same favourite store one row, and exactly one reports added")
  void addFavorite_concurrent(VertxTestContext ctx) {
    service.create(ada()).onComplete(ctx.succeeding(user -> {
      List<Future<JsonObject>> adds = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        adds.add(service.addFavorite(1, 6));
      }
      Future.all(adds).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        long added = adds.stream().filter(f -> f.result().getBoolean("added")).count();
        assertThat(added).isEqualTo(1);
        assertThat(node.queryLong("SELECT count(*) FROM favorites WHERE user_id = 1 AND restaurant_id = 6"))
            .isEqualTo(1);
        ctx.completeNow();
      })));
    }));
  }

  /**
   * Holds {@code table} under a SHARE lock (writers wait, readers do not) while {@code calls}
   * start, waits until at least two of them are blocked on it inside PostgreSQL, then lets them
   * all go at once: their statements really overlap, whatever the client's timing.
   */
  private static <T> List<Future<T>> overlapping(String table, java.util.function.Supplier<List<Future<T>>> calls)
      throws Exception {
    try (Connection lock = node.connection()) {
      lock.setAutoCommit(false);
      lock.createStatement().execute("LOCK TABLE " + table + " IN SHARE MODE");
      List<Future<T>> started = calls.get();
      Await.until("two writers wait on the lock of " + table, 10_000, () -> node.queryLong(
          "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()") >= 2);
      lock.commit();
      Future.join(new ArrayList<>(started)).otherwiseEmpty().await(20, TimeUnit.SECONDS); // all done, some may fail
      return started;
    }
  }

  @Test
  @DisplayName("adds of one favourite held back together by a lock and released at once store one row; one reports added")
  void addFavorite_overlappingInTheDatabase() throws Exception {
    service.create(ada()).await(10, TimeUnit.SECONDS);
    List<Future<JsonObject>> adds = overlapping("favorites", () -> {
      List<Future<JsonObject>> calls = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        calls.add(service.addFavorite(1, 6));
      }
      return calls;
    });
    assertThat(adds).allSatisfy(add -> assertThat(add.succeeded()).as("%s", add.cause()).isTrue());
    assertThat(adds.stream().filter(f -> f.result().getBoolean("added"))).hasSize(1);
    assertThat(node.queryLong("SELECT count(*) FROM favorites WHERE user_id = 1 AND restaurant_id = 6")).isEqualTo(1);
  }

  @Test
  @DisplayName("two creates of one address (in two cases) released at once: one is stored, the other is a 409")
  void create_sameEmailOverlappingInTheDatabase() throws Exception {
    List<Future<JsonObject>> creates = overlapping("users", () -> List.of(
        service.create(ada()), service.create(ada().put("email", "ADA@example.COM"))));
    assertThat(creates.stream().filter(Future::succeeded)).hasSize(1);
    Future<JsonObject> refused = creates.stream().filter(Future::failed).findFirst().orElseThrow();
    assertCode(refused.cause(), FailureCodes.CONFLICT);
    assertThat(node.queryLong("SELECT count(*) FROM users")).isEqualTo(1);
  }

  @Test
  @DisplayName("addFavorite fails with 404 for an unknown user or restaurant, 400 for id 0")
  void addFavorite_failures(VertxTestContext ctx) {
    service.create(ada())
        .compose(a -> expectCode(service.addFavorite(99, 1), FailureCodes.NOT_FOUND))
        .compose(v -> service.addFavorite(1, 999).transform(done -> {
          ctx.verify(() -> {
            assertCode(done.cause(), FailureCodes.NOT_FOUND);
            assertThat(((ServiceException) done.cause()).getDebugInfo().getString("parameter")).isEqualTo("restaurantId");
          });
          return Future.succeededFuture();
        }))
        .compose(v -> expectInvalid(service.addFavorite(0, 1), "userId"))
        .compose(v -> expectInvalid(service.addFavorite(1, 0), "restaurantId"))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(node.queryLong("SELECT count(*) FROM favorites")).isZero();
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("removeFavorite is idempotent: removed, then not; 404 for an unknown user")
  void removeFavorite_idempotent(VertxTestContext ctx) {
    service.create(ada())
        .compose(a -> service.addFavorite(1, 3))
        .compose(f -> service.removeFavorite(1, 3))
        .compose(first -> {
          ctx.verify(() -> assertThat(first).isEqualTo(new JsonObject()
              .put("user_id", 1L).put("restaurant_id", 3L).put("removed", true)));
          return service.removeFavorite(1, 3);
        })
        .compose(second -> {
          ctx.verify(() -> assertThat(second.getBoolean("removed")).isFalse());
          return expectCode(service.removeFavorite(99, 3), FailureCodes.NOT_FOUND);
        })
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @DisplayName("favorites lists restaurant summaries, newest first; empty for a user without; 404 for none")
  void favorites_list(VertxTestContext ctx) {
    service.create(ada())
        .compose(a -> service.create(new JsonObject().put("email", "grace@example.com")))
        .compose(g -> service.addFavorite(1, 7))
        .compose(f -> service.addFavorite(1, 1))
        .compose(f -> service.favorites(1))
        .compose(list -> {
          ctx.verify(() -> {
            assertThat(list.getInteger("count")).isEqualTo(2);
            assertThat(restaurantIds(list)).containsExactly(1L, 7L);
            JsonObject deli = list.getJsonArray("items").getJsonObject(0);
            assertThat(OffsetDateTime.parse(deli.getString("added_at"))).isNotNull();
            assertThat(deli.getJsonObject("restaurant").getString("name")).isEqualTo("Times Square Deli");
            assertThat(deli.getJsonObject("restaurant").getString("city")).isEqualTo("New York");
            assertThat(deli.getJsonObject("restaurant").getString("kosher_category")).isEqualTo("meat");
          });
          return service.favorites(2);
        })
        .compose(empty -> {
          ctx.verify(() -> assertThat(empty).isEqualTo(new JsonObject().put("items", new JsonArray()).put("count", 0)));
          return expectCode(service.favorites(99), FailureCodes.NOT_FOUND);
        })
        .onComplete(ctx.succeedingThenComplete());
  }

  private static List<Long> restaurantIds(JsonObject list) {
    return list.getJsonArray("items").stream().map(i -> ((JsonObject) i).getLong("restaurant_id")).toList();
  }

  private static Future<Void> expectCode(Future<?> call, int code) {
    return call.transform(done -> {
      if (done.succeeded()) {
        return Future.failedFuture(new AssertionError("expected failure " + code + ", got " + done.result()));
      }
      try {
        assertCode(done.cause(), code);
      } catch (AssertionError e) {
        return Future.failedFuture(e);
      }
      return Future.succeededFuture();
    });
  }

  private static Future<Void> expectInvalid(Future<?> call, String parameter) {
    return call.transform(done -> {
      if (done.succeeded()) {
        return Future.failedFuture(new AssertionError("expected 400 on " + parameter + ", got " + done.result()));
      }
      try {
        assertInvalid(done.cause(), parameter);
      } catch (AssertionError e) {
        return Future.failedFuture(e);
      }
      return Future.succeededFuture();
    });
  }

  static void assertCode(Throwable failure, int code) {
    assertThat(failure).isInstanceOf(ServiceException.class);
    ServiceException e = (ServiceException) failure;
    assertThat(e.failureType()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
    assertThat(e.failureCode()).as("failure code of: %s", e.getMessage()).isEqualTo(code);
  }

  static void assertInvalid(Throwable failure, String parameter) {
    assertCode(failure, FailureCodes.INVALID_INPUT);
    ServiceException e = (ServiceException) failure;
    assertThat(e.getDebugInfo()).as("debug info of: %s", e.getMessage()).isNotNull();
    assertThat(e.getDebugInfo().getString("parameter")).as(e.getMessage()).isEqualTo(parameter);
    assertThat(e.getMessage()).contains(parameter);
  }
}
