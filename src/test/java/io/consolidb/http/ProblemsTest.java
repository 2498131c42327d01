package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.FailureCodes;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a failed service call becomes the problem a client reads. */
class ProblemsTest {

  private static final Map<String, String> NAMES = Map.of("latitude", "lat");

  /** The problem's body, as a map (what AssertJ reads entries of). */
  private static Map<String, Object> problem(Throwable failure) {
    return Problems.fromFailure(failure, NAMES).toJson().getMap();
  }

  private static ServiceException refused(int code, String message, JsonObject debugInfo) {
    return new ServiceException(code, message, debugInfo);
  }

  @Test
  void aProblem_passesAsItIs() {
    Problem own = Problem.badParameter("q", "q is required");
    assertThat(Problems.fromFailure(own, NAMES)).isSameAs(own);
  }

  @Test
  void busFailures_timeoutIs504_noHandlerIs503_othersAre500WithoutTheirMessage() {
    assertThat(problem(new ReplyException(ReplyFailure.TIMEOUT, "Timed out after waiting 30000(ms)")))
        .containsEntry("status", 504).containsEntry("detail", "the service did not answer in time");
    assertThat(problem(new ReplyException(ReplyFailure.NO_HANDLERS, "No handlers for address x")))
        .containsEntry("status", 503).containsEntry("detail", "the service is not available on this cluster");
    Map<String, Object> unexpected = problem(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, -1, "secret=s3cr3t"));
    assertThat(unexpected).containsEntry("status", 500).containsEntry("detail", "an unexpected error occurred");
    assertThat(unexpected.toString()).doesNotContain("s3cr3t");
    assertThat(problem(new IllegalStateException("password=hunter2")))
        .containsEntry("status", 500).containsEntry("detail", "an unexpected error occurred");
  }

  @Test
  void aRefusedParameter_isNamedAsTheRouteNamesIt() {
    Map<String, Object> renamed = problem(refused(400, "latitude must be between -90 and 90",
        new JsonObject().put("parameter", "latitude")));
    assertThat(renamed).containsEntry("status", 400).containsEntry("parameter", "lat")
        .containsEntry("detail", "lat must be between -90 and 90");
    // a parameter the route does not rename, or a message not starting with it, is left alone
    assertThat(problem(refused(400, "radius must be positive", new JsonObject().put("parameter", "radius"))))
        .containsEntry("parameter", "radius").containsEntry("detail", "radius must be positive");
    assertThat(problem(refused(400, "the latitude is out of range", new JsonObject().put("parameter", "latitude"))))
        .containsEntry("parameter", "lat").containsEntry("detail", "the latitude is out of range");
    assertThat(problem(refused(400, "latitudes must be numbers", new JsonObject().put("parameter", "latitude"))))
        .containsEntry("detail", "latitudes must be numbers");
    Map<String, Object> several = problem(refused(400, "latitude and radius go together",
        new JsonObject().put("parameters", new JsonArray().add("latitude").add("radius"))));
    assertThat(((JsonArray) several.get("parameters")).getList()).containsExactly("lat", "radius");
    assertThat(several).containsEntry("detail", "latitude and radius go together").doesNotContainKey("parameter");
    assertThat(problem(refused(400, "bad input", null))).doesNotContainKey("parameter").doesNotContainKey("parameters");
  }

  @Test
  void aBatchsItemErrors_areShownForARefusal_only() {
    JsonArray errors = new JsonArray().add(new JsonObject().put("index", 2).put("parameter", "type")
        .put("reason", "unknown event type"));
    assertThat(problem(refused(400, "2 of 3 events are invalid", new JsonObject().put("errors", errors))))
        .containsEntry("errors", errors);
    assertThat(problem(refused(409, "conflict", new JsonObject().put("errors", errors)))).doesNotContainKey("errors");
    assertThat(problem(refused(400, "invalid", new JsonObject().put("errors", "not a list")))).doesNotContainKey("errors");
    // other codes never name parameters either
    assertThat(problem(refused(404, "restaurant 9 not found", new JsonObject().put("parameter", "id"))))
        .containsEntry("status", 404).doesNotContainKey("parameter");
  }

  @Test
  void details_emptyIsReplaced_longIsClippedAt300() {
    assertThat(problem(refused(409, null, null))).containsEntry("detail", "the request failed");
    assertThat(problem(refused(409, "  ", null))).containsEntry("detail", "the request failed");
    String exactly = "x".repeat(300);
    assertThat(problem(refused(409, exactly, null))).containsEntry("detail", exactly);
    assertThat(problem(refused(409, exactly + "y", null))).containsEntry("detail", exactly + "…");
  }

  @Test
  void aRetryHint_isKept() {
    Problem busy = Problems.fromFailure(FailureCodes.withRetryAfter(503, "database unavailable", 7), NAMES);
    assertThat(busy.status()).isEqualTo(503);
    assertThat(busy.retryAfterSeconds()).isEqualTo(7);
  }
}
