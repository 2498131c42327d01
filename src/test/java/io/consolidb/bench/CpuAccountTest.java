package io.consolidb.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CpuAccountTest {

  @Test
  @DisplayName("a side's CPU per operation is charged to the thread that spent it; each measurement's warm-up round is not counted")
  void cpuPerOperation_byThread_afterWarmUp() throws Exception {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux /proc");
    CpuAccount cpu = new CpuAccount();
    // 300 ms of this thread's CPU reported as 300 operations: 1,000 µs of CPU each
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Callable<Double> spin = () -> spin(threads, 300);
    AtomicReference<JsonObject> afterWarmUp = new AtomicReference<>();
    AtomicReference<JsonObject> afterOneRound = new AtomicReference<>();
    AtomicReference<JsonObject> afterSecondWarmUp = new AtomicReference<>();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread thread = new Thread(() -> {
      try {
        Callable<Double> round = cpu.measure("spinning", spin);
        round.call();
        afterWarmUp.set(cpu.toJson());
        round.call();
        afterOneRound.set(cpu.toJson());
        // the same side on fresh nodes: 3,000 operations in 300 ms (100 µs each); the first call
        // is that measurement's warm-up, the second is added to the side
        Callable<Double> again = cpu.measure("spinning", () -> spin(threads, 3000));
        again.call();
        afterSecondWarmUp.set(cpu.toJson());
        again.call();
      } catch (Throwable e) {
        failed.set(e);
      }
    }, "cpu-account-t1");
    thread.start();
    thread.join(10_000);

    assertThat(failed.get()).isNull();
    assertThat(afterWarmUp.get().fieldNames()).as("the warm-up round alone").isEmpty();
    JsonObject side = afterOneRound.get().getJsonObject("spinning");
    assertThat(side).as("counted side").isNotNull();
    double spinner = spinner(side);
    assertThat(spinner).isBetween(700.0, 1150.0); // 10 ms ticks; operations counted over the /proc reads too
    assertThat(side.getDouble("jvm")).isGreaterThanOrEqualTo(spinner);
    assertThat(side.getDouble("machine_busy")).isBetween(0.0, 1.0);
    assertThat(spinner(afterSecondWarmUp.get().getJsonObject("spinning"))).as("the second warm-up not counted")
        .isBetween(700.0, 1150.0);
    // 600 ms over 3,300 operations
    assertThat(spinner(cpu.toJson().getJsonObject("spinning"))).as("both measurements of the side")
        .isBetween(120.0, 300.0);
  }

  private static double spinner(JsonObject side) {
    return side.getJsonObject("jvm_threads").getDouble("cpu-account-t#");
  }

  /** 300 ms of this thread's CPU (not of the wall clock: the machine may be busy) as {@code operations}. */
  private static double spin(ThreadMXBean threads, int operations) {
    long start = System.nanoTime();
    long end = threads.getCurrentThreadCpuTime() + 300_000_000L;
    while (threads.getCurrentThreadCpuTime() < end) {
      Thread.onSpinWait();
    }
    return operations / ((System.nanoTime() - start) / 1e9);
  }
}
