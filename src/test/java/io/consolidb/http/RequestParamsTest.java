package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Objects;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The request readers the routes share, each behind a route of a real router (no services): what
 * a well-formed value gives, and the parameter and wording of each refusal.
 */
class RequestParamsTest {

  private static BareRouter routes;

  @BeforeAll
  static void start() throws Exception {
    routes = BareRouter.serving(router -> {
      router.route().handler(BodyHandler.create());
      answer(router, "/users/:userId/favorites/:restaurantId", ctx -> RequestParams.pathId(ctx, "restaurantId"));
      answer(router, "/restaurants/:id", RequestParams::id);
      answer(router, "/flag", ctx -> RequestParams.optionalBoolean(ctx.queryParams(), "open"));
      answer(router, "/value", RequestParams::jsonValue);
      answer(router, "/object", RequestParams::jsonObject);
      answer(router, "/key", RequestParams::idempotencyKey);
    });
  }

  @AfterAll
  static void stop() throws Exception {
    routes.close();
  }

  /** 200 with {@code {"value": …}} (its text, and "null" for null), or 400 with the problem's parameter and detail. */
  private static void answer(Router router, String path, Function<RoutingContext, Object> read) {
    router.route(path).handler(ctx -> {
      JsonObject body;
      try {
        body = new JsonObject().put("value", Objects.toString(read.apply(ctx)));
      } catch (Problem problem) {
        ctx.response().setStatusCode(problem.status()).end(new JsonObject().put("detail", problem.detail())
            .put("parameter", String.join(",", problem.parameters())).encode());
        return;
      }
      ctx.response().end(body.encode());
    });
  }

  private static HttpRequest<Buffer> request(HttpMethod method, String uri) {
    return routes.request(method, uri);
  }

  private static JsonObject ok(HttpResponse<Buffer> response) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  private static JsonObject refused(HttpResponse<Buffer> response, String parameter) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(400);
    JsonObject problem = response.bodyAsJsonObject();
    assertThat(problem.getString("parameter")).isEqualTo(parameter);
    return problem;
  }

  private static HttpResponse<Buffer> get(String uri) {
    return Await.result(request(HttpMethod.GET, uri).send());
  }

  private static HttpResponse<Buffer> post(String uri, String body) {
    return Await.result(request(HttpMethod.POST, uri).sendBuffer(Buffer.buffer(body)));
  }

  @Test
  void isId_acceptsWhatIdAccepts_withoutARegularExpression() {
    for (String id : new String[] {"1", "42", "007", "999999999999999999"}) {
      assertThat(RequestParams.isId(id)).as(id).isTrue();
    }
    for (String notId : new String[] {null, "", "-1", "+1", "1.0", "12a", " 1", "1000000000000000000", "١٢"}) {
      assertThat(RequestParams.isId(notId)).as(String.valueOf(notId)).isFalse();
    }
  }

  @Test
  void pathIds_positiveIntegersOnly_namedInTheRefusal() {
    assertThat(ok(get("/users/1/favorites/42")).getString("value")).isEqualTo("42");
    assertThat(ok(get("/users/1/favorites/123456789012345678")).getString("value")).isEqualTo("123456789012345678");
    for (String bad : new String[] {"abc", "-1", "1.5", "1234567890123456789", "%20"}) {
      assertThat(refused(get("/users/1/favorites/" + bad), "restaurantId").getString("detail"))
          .isEqualTo("restaurantId must be a positive integer");
    }
    assertThat(ok(get("/restaurants/7")).getString("value")).isEqualTo("7");
    assertThat(refused(get("/restaurants/x7"), "id").getString("detail")).isEqualTo("id must be a positive integer");
  }

  @Test
  void optionalBoolean_trueFalseInAnyCase_absentIsNull() {
    assertThat(ok(get("/flag")).getString("value")).isEqualTo("null");
    assertThat(ok(get("/flag?open=true")).getString("value")).isEqualTo("true");
    assertThat(ok(get("/flag?open=TRUE")).getString("value")).isEqualTo("true");
    assertThat(ok(get("/flag?open=%20False%20")).getString("value")).isEqualTo("false");
    assertThat(refused(get("/flag?open=yes"), "open").getString("detail")).isEqualTo("open must be true or false");
    assertThat(refused(get("/flag?open=true&open=false"), "open").getString("detail")).isEqualTo("open must be given once");
  }

  @Test
  void jsonValue_anyJson_emptyOrMalformedRefusedWithoutEchoingIt() {
    assertThat(ok(post("/value", "[1,2]")).getString("value")).isEqualTo("[1,2]");
    assertThat(ok(post("/value", "{\"a\":1}")).getString("value")).isEqualTo("{\"a\":1}");
    assertThat(refused(post("/value", ""), "body").getString("detail")).isEqualTo("a JSON body is required");
    JsonObject malformed = refused(post("/value", "{\"secret-4d1\":"), "body");
    assertThat(malformed.getString("detail")).isEqualTo("the body is not valid JSON");
    assertThat(malformed.encode()).doesNotContain("secret-4d1");
  }

  @Test
  void jsonObject_objectsOnly() {
    assertThat(ok(post("/object", "{\"a\":1}")).getString("value")).isEqualTo("{\"a\":1}");
    assertThat(refused(post("/object", ""), "body").getString("detail")).isEqualTo("a JSON object body is required");
    assertThat(refused(post("/object", "[1]"), "body").getString("detail")).isEqualTo("the body must be a JSON object");
    assertThat(refused(post("/object", "nope"), "body").getString("detail")).isEqualTo("the body is not valid JSON");
  }

  @Test
  void idempotencyKey_noneOrOne_twiceRefused() {
    assertThat(ok(get("/key")).getString("value")).isEqualTo("null");
    assertThat(ok(Await.result(request(HttpMethod.GET, "/key").putHeader("Idempotency-Key", "k-1").send()))
        .getString("value")).isEqualTo("k-1");
    HttpResponse<Buffer> twice = Await.result(request(HttpMethod.GET, "/key")
        .putHeader("Idempotency-Key", java.util.List.of("k-1", "k-2")).send());
    assertThat(refused(twice, "Idempotency-Key").getString("detail")).isEqualTo("send one Idempotency-Key header, not 2");
  }
}
