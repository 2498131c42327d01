package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.idempotency.Replayed;
import io.consolidb.service.CachedRead;
import io.consolidb.testsupport.Await;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.serviceproxy.ServiceException;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** How the routes answer a service's result, on a real router (no services behind it). */
class RoutesTest {

  private static final JsonObject ROW = new JsonObject().put("id", 7);

  private static BareRouter routes;

  @BeforeAll
  static void start() throws Exception {
    routes = BareRouter.serving(router -> {
      router.post("/json").handler(Routes::requireJsonBody).handler(ctx -> ctx.response().end("accepted"));
      router.route("/hit").handler(ctx -> Routes.respond(ctx, Future.succeededFuture(CachedRead.of(ROW.copy(), true)),
          200, Map.of()));
      router.route("/stale").handler(ctx -> Routes.respond(ctx, Future.succeededFuture(CachedRead.stale(ROW.copy(), 42)),
          200, Map.of()));
      router.route("/plain").handler(ctx -> Routes.respond(ctx, Future.succeededFuture(ROW.copy()), 201, Map.of()));
      router.route("/refused").handler(ctx -> Routes.respond(ctx, Future.failedFuture(new ServiceException(400,
          "latitude must be a number", new JsonObject().put("parameter", "latitude"))), 200, Map.of("latitude", "lat")));
      router.route("/nobody").handler(ctx -> Routes.json(ctx, 200, null));
      router.route("/replayed").handler(ctx -> Routes.json(ctx, 201, Replayed.of(ROW.copy())));
      router.route("/replayed-empty").handler(ctx -> Routes.noContent(ctx, Replayed.of(new JsonObject())));
      router.route("/empty").handler(ctx -> Routes.noContent(ctx, new JsonObject()));
      router.route("/gone").handler(ctx -> {
        ctx.response().setStatusCode(202).end();
        Routes.json(ctx, 200, ROW);
        Routes.noContent(ctx);
      });
    });
  }

  @AfterAll
  static void stop() throws Exception {
    routes.close();
  }

  private static HttpRequest<Buffer> request(HttpMethod method, String uri) {
    return routes.request(method, uri);
  }

  private static HttpResponse<Buffer> get(String uri) {
    return Await.result(request(HttpMethod.GET, uri).send());
  }

  @Test
  void requireJsonBody_jsonAndPlusJsonPass_othersAre415WithAccept() {
    for (String type : new String[] {"application/json", "Application/JSON; charset=utf-8", "application/merge-patch+json"}) {
      HttpResponse<Buffer> passed = Await.result(request(HttpMethod.POST, "/json").putHeader("Content-Type", type)
          .sendBuffer(Buffer.buffer("{}")));
      assertThat(passed.statusCode()).as(type).isEqualTo(200);
    }
    for (String type : new String[] {null, "text/plain", "application/xml", "text/json+xml", "application/jsonx"}) {
      HttpRequest<Buffer> request = request(HttpMethod.POST, "/json");
      if (type != null) {
        request.putHeader("Content-Type", type);
      }
      HttpResponse<Buffer> refused = Await.result(request.sendBuffer(Buffer.buffer("{}")));
      assertThat(refused.statusCode()).as(String.valueOf(type)).isEqualTo(415);
      assertThat(refused.getHeader("Accept")).isEqualTo("application/json");
      assertThat(refused.bodyAsJsonObject().getString("detail")).isEqualTo("the body must be sent as application/json");
    }
  }

  @Test
  void respond_aCachedReadSaysHowItWasAnswered_aStaleOneItsAge() {
    HttpResponse<Buffer> hit = get("/hit");
    assertThat(hit.statusCode()).isEqualTo(200);
    assertThat(hit.getHeader("X-Cache")).isEqualTo("HIT");
    assertThat(hit.getHeader("Age")).isNull();
    assertThat(hit.bodyAsJsonObject().getInteger("id")).isEqualTo(7);
    HttpResponse<Buffer> stale = get("/stale");
    assertThat(stale.getHeader("X-Cache")).isEqualTo("STALE");
    assertThat(stale.getHeader("Age")).isEqualTo("42");
    HttpResponse<Buffer> plain = get("/plain");
    assertThat(plain.statusCode()).isEqualTo(201);
    assertThat(plain.getHeader("X-Cache")).isNull();
    assertThat(plain.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(plain.bodyAsJsonObject()).isEqualTo(ROW);
  }

  @Test
  void respond_aFailureIsAProblemWithTheRoutesParameterNames() {
    HttpResponse<Buffer> refused = get("/refused");
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.bodyAsJsonObject().getString("parameter")).isEqualTo("lat");
    assertThat(refused.bodyAsJsonObject().getString("detail")).isEqualTo("lat must be a number");
  }

  @Test
  void json_noBodyIsA500_andHeadGivesGetsLength() {
    HttpResponse<Buffer> nobody = get("/nobody");
    assertThat(nobody.statusCode()).isEqualTo(500);
    assertThat(nobody.bodyAsJsonObject().getString("detail")).isEqualTo("an unexpected error occurred");
    HttpResponse<Buffer> head = Await.result(request(HttpMethod.HEAD, "/plain").send());
    assertThat(head.statusCode()).isEqualTo(201);
    assertThat(head.getHeader("Content-Length")).isEqualTo(Integer.toString(ROW.toBuffer().length()));
    assertThat(head.body()).isNull();
  }

  @Test
  void aReplayedAnswer_saysSo_withOrWithoutABody() {
    HttpResponse<Buffer> replayed = get("/replayed");
    assertThat(replayed.statusCode()).isEqualTo(201);
    assertThat(replayed.getHeader("Idempotency-Replayed")).isEqualTo("true");
    assertThat(replayed.bodyAsJsonObject()).isEqualTo(ROW);
    HttpResponse<Buffer> empty = get("/replayed-empty");
    assertThat(empty.statusCode()).isEqualTo(204);
    assertThat(empty.getHeader("Idempotency-Replayed")).isEqualTo("true");
    HttpResponse<Buffer> first = get("/empty");
    assertThat(first.statusCode()).isEqualTo(204);
    assertThat(first.getHeader("Idempotency-Replayed")).isNull();
    assertThat(get("/plain").getHeader("Idempotency-Replayed")).isNull();
  }

  @Test
  void anAnswerAlreadySent_isLeftAlone() {
    HttpResponse<Buffer> gone = get("/gone");
    assertThat(gone.statusCode()).isEqualTo(202);
    assertThat(gone.body()).isNull();
  }
}
