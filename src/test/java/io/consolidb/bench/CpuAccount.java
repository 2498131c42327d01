package io.consolidb.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where the CPU of each side of a comparison goes: microseconds of CPU per operation of this JVM's
 * threads by name, of PostgreSQL's processes, and of the whole machine, over the counted rounds of
 * a side. Why: a throughput ratio says that a side is slower, not where its time went. With
 * everything on two shared cores, a side loses throughput to any thread that runs more for it:
 * its event loop, its exporter's threads, the JIT compiler, the database.
 *
 * <p>Read from {@code /proc} (Linux; {@link #toJson} is empty elsewhere): the JVM's threads from
 * {@code /proc/self/task}, named as the kernel keeps them (15 characters) with digits folded to
 * {@code #} ({@code vert.x-eventloo}, {@code C# CompilerThre}, {@code jdkhttp-executo}), so the JIT
 * and the garbage collector, which no {@code ThreadMXBean} lists, are counted too; PostgreSQL as
 * every process whose name starts with {@code postgres}. The clock is {@code USER_HZ}, 100 ticks a
 * second on Linux: a 4 s round at 20k operations/s resolves 0.125 µs per operation. Operations are
 * the round's rate times its wall time. The first round of each side is the comparison's warm-up
 * ({@link Comparison#alternate}) and is not counted.
 */
final class CpuAccount {

  private static final Path PROC = Path.of("/proc");
  private static final double MICROS_PER_TICK = 10_000;

  private final Map<String, Side> sides = new LinkedHashMap<>();

  /**
   * {@code round} (operations per second) of {@code side}, with its CPU counted from the returned
   * callable's second call on: its first is the comparison's warm-up. A side measured again (on
   * fresh nodes) through another callable adds to the same account, its own warm-up not counted.
   */
  Callable<Double> measure(String side, Callable<Double> round) {
    AtomicBoolean warmedUp = new AtomicBoolean();
    return () -> {
      Snapshot before = Snapshot.take();
      long start = System.nanoTime();
      double perSecond = round.call();
      Snapshot after = Snapshot.take();
      double operations = perSecond * (System.nanoTime() - start) / 1e9;
      if (warmedUp.getAndSet(true)) {
        synchronized (sides) {
          sides.computeIfAbsent(side, s -> new Side()).add(before, after, operations);
        }
      }
      return perSecond;
    };
  }

  /**
   * Per side: {@code machine_busy} (share of all cores), {@code machine}, {@code postgres} and
   * {@code jvm} µs per operation, and {@code jvm_threads} by name (those of 0.1 µs or more).
   */
  JsonObject toJson() {
    JsonObject json = new JsonObject();
    synchronized (sides) {
      sides.forEach((name, side) -> {
        if (side.operations > 0) {
          json.put(name, side.toJson());
        }
      });
    }
    return json;
  }

  /** CPU ticks so far: the machine's busy and total, PostgreSQL's, and this JVM's threads' by name. */
  private record Snapshot(long machineBusy, long machineTotal, long postgres, Map<String, Long> threads) {

    static Snapshot take() {
      if (!Files.isDirectory(PROC.resolve("self/task"))) {
        return new Snapshot(0, 0, 0, Map.of());
      }
      long[] machine = machineTicks();
      return new Snapshot(machine[0], machine[1], postgresTicks(), threadTicks());
    }

    private static long[] machineTicks() {
      try {
        String[] fields = Files.readAllLines(PROC.resolve("stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < fields.length; i++) {
          total += Long.parseLong(fields[i]);
        }
        long idle = Long.parseLong(fields[4]) + Long.parseLong(fields[5]); // idle and iowait
        return new long[] {total - idle, total};
      } catch (IOException | RuntimeException unreadable) {
        return new long[] {0, 0};
      }
    }

    private static long postgresTicks() {
      long ticks = 0;
      try (DirectoryStream<Path> processes = Files.newDirectoryStream(PROC, "[0-9]*")) {
        for (Path process : processes) {
          if (name(process).startsWith("postgres")) {
            ticks += ticks(process);
          }
        }
      } catch (IOException unreadable) {
        return 0;
      }
      return ticks;
    }

    private static Map<String, Long> threadTicks() {
      Map<String, Long> byName = new HashMap<>();
      try (DirectoryStream<Path> tasks = Files.newDirectoryStream(PROC.resolve("self/task"))) {
        for (Path task : tasks) {
          byName.merge(name(task).replaceAll("[0-9]+", "#"), ticks(task), Long::sum);
        }
      } catch (IOException unreadable) {
        return Map.of();
      }
      return byName;
    }

    private static String name(Path process) {
      try {
        return Files.readString(process.resolve("comm")).trim();
      } catch (IOException gone) { // a process or thread that ended between the listing and the read
        return "";
      }
    }

    /** utime + stime of a process or thread (fields 14 and 15 of its stat, after the name). */
    private static long ticks(Path process) {
      try {
        String stat = Files.readString(process.resolve("stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      } catch (IOException | RuntimeException gone) {
        return 0;
      }
    }
  }

  /** The counted rounds of one side. */
  private static final class Side {
    private double operations;
    private long machineBusy;
    private long machineTotal;
    private long postgres;
    private final Map<String, Long> threads = new TreeMap<>();

    void add(Snapshot before, Snapshot after, double roundOperations) {
      operations += roundOperations;
      machineBusy += after.machineBusy() - before.machineBusy();
      machineTotal += after.machineTotal() - before.machineTotal();
      postgres += after.postgres() - before.postgres();
      after.threads().forEach((name, ticks) -> {
        long spent = ticks - before.threads().getOrDefault(name, 0L);
        if (spent > 0) {
          threads.merge(name, spent, Long::sum);
        }
      });
    }

    JsonObject toJson() {
      JsonObject byThread = new JsonObject();
      long jvm = 0;
      for (Map.Entry<String, Long> thread : threads.entrySet()) {
        jvm += thread.getValue();
        double micros = perOperation(thread.getValue());
        if (micros >= 0.1) {
          byThread.put(thread.getKey(), micros);
        }
      }
      return new JsonObject()
          .put("machine_busy", machineTotal == 0 ? 0 : Samples.round((double) machineBusy / machineTotal))
          .put("machine", perOperation(machineBusy))
          .put("postgres", perOperation(postgres))
          .put("jvm", perOperation(jvm))
          .put("jvm_threads", byThread);
    }

    private double perOperation(long ticks) {
      return Samples.round(ticks * MICROS_PER_TICK / operations);
    }
  }
}
