package io.consolidb.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.consolidb.Addresses;
import io.consolidb.restaurant.RestaurantService;
import io.consolidb.user.UserService;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The proxies' failover rule ({@link InProcessServices#eventBusProxy}): a {@link ReadOnly} call
 * that got no answer is sent once more, a write never. The member that does not answer is a
 * consumer that swallows its first message, as a frozen or dead member would.
 */
class ReadRetryTest {

  private static final long TIMEOUT_MS = 300;
  private Vertx vertx;
  private final AtomicInteger received = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** Answers every message but the first {@code silent} ones. */
  private void memberSilentFor(String address, int silent) throws Exception {
    vertx.eventBus().<JsonObject>consumer(address, message -> {
      if (received.incrementAndGet() > silent) {
        message.reply(new JsonObject().put("id", 7).put("action", message.headers().get("action")));
      }
    }).completion().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a read that timed out is sent once more and served")
  void read_timedOut_isSentOnceMore() throws Exception {
    memberSilentFor(Addresses.RESTAURANTS, 1);

    JsonObject found = RestaurantService.createProxy(vertx, TIMEOUT_MS).get(7).await(10, TimeUnit.SECONDS);

    assertThat(found.getLong("id")).isEqualTo(7);
    assertThat(received).hasValue(2);
  }

  @Test
  @DisplayName("a read is sent at most twice: the second timeout reaches the caller")
  void read_timedOutTwice_fails() throws Exception {
    memberSilentFor(Addresses.USERS, 2);

    ReplyException failure = catchThrowableOfType(ReplyException.class,
        () -> UserService.createProxy(vertx, TIMEOUT_MS).favorites(3).await(10, TimeUnit.SECONDS));

    assertThat(failure.failureType()).isEqualTo(ReplyFailure.TIMEOUT);
    assertThat(received).hasValue(2);
  }

  @Test
  @DisplayName("a write whose reply was lost is never sent again")
  void write_timedOut_isNotResent() throws Exception {
    memberSilentFor(Addresses.RESTAURANTS, 1);

    ReplyException failure = catchThrowableOfType(ReplyException.class,
        () -> RestaurantService.createProxy(vertx, TIMEOUT_MS).create(new JsonObject().put("name", "x"))
            .await(10, TimeUnit.SECONDS));

    assertThat(failure.failureType()).isEqualTo(ReplyFailure.TIMEOUT);
    Thread.sleep(2 * TIMEOUT_MS);
    assertThat(received).hasValue(1);
  }

  @Test
  @DisplayName("a read the service itself refused (404) is not sent again")
  void read_refusedByTheService_isNotResent() throws Exception {
    vertx.eventBus().<JsonObject>consumer(Addresses.RESTAURANTS, message -> {
      received.incrementAndGet();
      message.fail(404, "no restaurant 7");
    }).completion().await(10, TimeUnit.SECONDS);

    ReplyException failure = catchThrowableOfType(ReplyException.class,
        () -> RestaurantService.createProxy(vertx, TIMEOUT_MS).get(7).await(10, TimeUnit.SECONDS));

    assertThat(failure.failureCode()).isEqualTo(404);
    assertThat(received).hasValue(1);
  }

  @Test
  @DisplayName("a read with no handler anywhere is tried twice, then NO_HANDLERS reaches the caller")
  void read_noHandlers_failsAfterOneMoreTry() {
    ReplyException failure = catchThrowableOfType(ReplyException.class,
        () -> RestaurantService.createProxy(vertx, TIMEOUT_MS).byCity("Teaneck", 1, 10).await(10, TimeUnit.SECONDS));

    assertThat(failure.failureType()).isEqualTo(ReplyFailure.NO_HANDLERS);
  }
}
