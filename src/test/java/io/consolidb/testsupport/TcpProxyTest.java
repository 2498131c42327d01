package io.consolidb.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class TcpProxyTest {

  private static final long QUIET_MS = 300;
  private static final long PATIENCE_MS = 3_000;

  private Vertx vertx;
  private NetServer echo;
  private NetClient client;
  private TcpProxy proxy;

  @BeforeEach
  void startEchoServerAndProxy(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(2_000));
    vertx.createNetServer()
        .connectHandler(socket -> socket
            .handler(socket::write)
            .exceptionHandler(expectedOnReset -> { }))
        .listen(0, "127.0.0.1")
        .compose(server -> {
          echo = server;
          return TcpProxy.start(vertx, "127.0.0.1", server.actualPort());
        })
        .onComplete(ctx.succeeding(started -> {
          proxy = started;
          ctx.completeNow();
        }));
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    proxy.close().eventually(echo::close).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @DisplayName("bytes sent through the proxy come back from the echo server intact, 1 MiB included")
  void forwardsBothWays(VertxTestContext ctx) {
    Buffer big = Buffer.buffer(1 << 20);
    for (int i = 0; i < 1 << 20; i++) {
      big.appendByte((byte) ('a' + i % 26));
    }
    connect().compose(inbox -> inbox.exchange("hello")
            .compose(reply -> {
              ctx.verify(() -> assertThat(reply).isEqualTo("hello"));
              inbox.socket.write(big);
              return inbox.read(big.length(), 10_000);
            }))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply).isEqualTo(big.toString());
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("a frozen proxy holds bytes back without closing, and delivers them on thaw")
  void freezeHoldsBytesUntilThaw(VertxTestContext ctx) {
    connect().compose(inbox -> inbox.exchange("warm-up")
            .compose(ignored -> {
              proxy.freeze();
              inbox.socket.write("ping");
              return inbox.read(4, QUIET_MS)
                  .transform(read -> {
                    ctx.verify(() -> {
                      assertThat(read.cause()).isInstanceOf(TimeoutException.class);
                      assertThat(inbox.closed.future().isComplete()).isFalse();
                    });
                    proxy.thaw();
                    return inbox.read(4, PATIENCE_MS);
                  });
            }))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply).isEqualTo("ping");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("a connection opened while the proxy is frozen hangs until thaw")
  void newConnectionWhileFrozenHangs(VertxTestContext ctx) {
    proxy.freeze();
    connect().compose(inbox -> {
          inbox.socket.write("late");
          return inbox.read(4, QUIET_MS).transform(read -> {
            ctx.verify(() -> assertThat(read.cause()).isInstanceOf(TimeoutException.class));
            proxy.thaw();
            return inbox.read(4, PATIENCE_MS);
          });
        })
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply).isEqualTo("late");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("refuse closes open connections and refuses new ones; accept reopens the same port")
  void refuseThenAccept(VertxTestContext ctx) {
    int port = proxy.port();
    connect().compose(inbox -> inbox.exchange("before")
            .compose(ignored -> proxy.refuse())
            .compose(ignored -> within(inbox.closed.future(), PATIENCE_MS)))
        .compose(closed -> connect().transform(attempt -> {
          ctx.verify(() -> assertThat(attempt.cause())
              .as("connecting while refused")
              .isInstanceOf(ConnectException.class));
          return proxy.accept();
        }))
        .compose(ignored -> connect())
        .compose(inbox -> inbox.exchange("after"))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply).isEqualTo("after");
          assertThat(proxy.port()).isEqualTo(port);
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("dropConnections resets open connections and keeps accepting new ones")
  void dropConnectionsResets(VertxTestContext ctx) {
    connect().compose(inbox -> inbox.exchange("before")
            .compose(ignored -> {
              proxy.dropConnections();
              return within(inbox.closed.future(), PATIENCE_MS);
            })
            .map(ignored -> inbox))
        .compose(dropped -> {
          ctx.verify(() -> assertThat(dropped.failure)
              .as("the client saw a reset, not an orderly close")
              .isNotNull()
              .hasMessageContaining("reset"));
          return connect();
        })
        .compose(inbox -> inbox.exchange("after"))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply).isEqualTo("after");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("halfOpen silences the open connections without closing them; new connections pass")
  void halfOpenSilencesOpenConnections(VertxTestContext ctx) {
    connect().compose(old -> old.exchange("before")
            .compose(ignored -> {
              proxy.halfOpen();
              old.socket.write("lost");
              return old.read(4, QUIET_MS).transform(read -> {
                ctx.verify(() -> {
                  assertThat(read.cause()).as("an answer on the silenced connection").isInstanceOf(TimeoutException.class);
                  assertThat(old.closed.future().isComplete()).as("silenced connection closed").isFalse();
                });
                return connect();
              });
            }))
        .compose(fresh -> fresh.exchange("after"))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply).isEqualTo("after");
          ctx.completeNow();
        })));
  }

  private Future<Inbox> connect() {
    return client.connect(proxy.port(), "127.0.0.1").map(Inbox::new);
  }

  private <T> Future<T> within(Future<T> future, long ms) {
    Promise<T> promise = Promise.promise();
    long timer = vertx.setTimer(ms, id -> promise.tryFail(new TimeoutException(ms + " ms")));
    future.onComplete(done -> {
      vertx.cancelTimer(timer);
      if (done.succeeded()) {
        promise.tryComplete(done.result());
      } else {
        promise.tryFail(done.cause());
      }
    });
    return promise.future();
  }

  /** Collects what one client socket receives. */
  private final class Inbox {
    final NetSocket socket;
    final Promise<Void> closed = Promise.promise();
    volatile Throwable failure;
    private Buffer received = Buffer.buffer();
    private Promise<String> waiting;
    private int wanted;

    Inbox(NetSocket socket) {
      this.socket = socket;
      socket.handler(this::onData);
      socket.exceptionHandler(e -> failure = e);
      socket.closeHandler(v -> closed.tryComplete());
    }

    Future<String> exchange(String text) {
      socket.write(text);
      return read(text.length(), PATIENCE_MS);
    }

    /** The next {@code bytes} bytes, or a TimeoutException after {@code ms}. */
    synchronized Future<String> read(int bytes, long ms) {
      Promise<String> promise = Promise.promise();
      waiting = promise;
      wanted = bytes;
      Future<String> result = within(promise.future(), ms);
      result.onFailure(e -> {
        synchronized (this) {
          if (waiting == promise) {
            waiting = null;
          }
        }
      });
      deliver();
      return result;
    }

    private synchronized void onData(Buffer bytes) {
      received.appendBuffer(bytes);
      deliver();
    }

    private void deliver() {
      if (waiting != null && received.length() >= wanted) {
        Promise<String> done = waiting;
        waiting = null;
        String text = received.getString(0, wanted);
        received = received.getBuffer(wanted, received.length());
        done.complete(text);
      }
    }
  }
}
