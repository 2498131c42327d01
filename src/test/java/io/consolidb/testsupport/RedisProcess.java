package io.consolidb.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server of a test's own on 127.0.0.1 (no persistence), for real Redis faults that must
 * not touch the shared test Redis: {@link #stop()} kills it, {@link #start()} starts it again on
 * the same port (empty), {@link #pause()}/{@link #resume()} send SIGSTOP/SIGCONT, so it accepts
 * connections but never answers, as a hung server does.
 */
public final class RedisProcess implements AutoCloseable {

  private final int port;
  private final List<String> options;
  private Process process;

  private RedisProcess(int port, List<String> options) {
    this.port = port;
    this.options = options;
  }

  /** Starts {@code redis-server} (from PATH) on a free port. */
  public static RedisProcess start(String name) {
    return start(name, List.of());
  }

  /** As {@link #start(String)}, with more server options (e.g. {@code --requirepass}, {@code pw}). */
  public static RedisProcess start(String name, List<String> options) {
    RedisProcess redis = new RedisProcess(freePort(), List.copyOf(options));
    redis.start();
    return redis;
  }

  public int port() {
    return port;
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** Starts (again) on the same port and waits until it accepts connections. */
  public synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    try {
      List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind",
          "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"));
      command.addAll(options);
      process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start redis-server (is it installed? scripts/services.sh up"
          + " installs it): " + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        sleep(50);
      }
    }
    throw new IllegalStateException("redis-server did not come up on port " + port);
  }

  /** Kills the server (its data goes with it). */
  public synchronized void stop() {
    if (process != null) {
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
  }

  /** SIGSTOP: connections stay open, nothing is answered. */
  public synchronized void pause() {
    signal("-STOP");
  }

  /** SIGCONT: answers again, including what was sent meanwhile. */
  public synchronized void resume() {
    signal("-CONT");
  }

  private void signal(String signal) {
    try {
      int exit = new ProcessBuilder("kill", signal, Long.toString(process.pid())).inheritIO().start().waitFor();
      if (exit != 0) {
        throw new IllegalStateException("kill " + signal + " failed with " + exit);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public synchronized void close() {
    if (process != null && process.isAlive()) {
      resume(); // a stopped process ignores SIGTERM until continued
    }
    stop();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
