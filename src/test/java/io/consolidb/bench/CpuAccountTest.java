package io.consolidb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CpuAccountTest {

  @Test
  @DisplayName("a side's CPU per operation is charged to the thread that spent it; its warm-up round is not counted")
  void cpuPerOperation_byThread_afterWarmUp() throws Exception {
    CpuAccount cpu = new CpuAccount();
    // 1,000 operations a second for 300 ms of a thread's CPU: 300 operations, 1,000 µs each
    Callable<Double> spin = () -> {
      long end = System.nanoTime() + 300_000_000L;
      long x = 0;
      while (System.nanoTime() < end) {
        x += System.nanoTime() & 1;
      }
      return x >= 0 ? 1000.0 : 0;
    };
    Thread thread = new Thread(() -> {
      try {
        Callable<Double> round = cpu.measure("spinning", spin);
        round.call();
        assertThat(cpu.toJson().fieldNames()).as("the warm-up round alone").isEmpty();
        round.call();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, "cpu-account-t1");
    thread.start();
    thread.join(10_000);

    JsonObject side = cpu.toJson().getJsonObject("spinning");
    assertThat(side).as("counted side").isNotNull();
    assertThat(side.getJsonObject("jvm_threads").getDouble("cpu-account-t#")).isBetween(600.0, 1400.0);
    assertThat(side.getDouble("jvm")).isGreaterThanOrEqualTo(side.getJsonObject("jvm_threads").getDouble("cpu-account-t#"));
    assertThat(side.getDouble("machine_busy")).isBetween(0.0, 1.0);
  }
}
