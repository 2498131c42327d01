package io.consolidb.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Calls made at a fixed rate, each with when it was sent, how long it took and whether it
 * succeeded; {@link #window} sums up those sent in a time window.
 */
final class CallLog {

  /** One call: sent at {@code sentMs} (epoch), answered or failed {@code latencyMs} later. */
  record Call(long sentMs, long latencyMs, boolean ok, String detail) {

    long doneMs() {
      return sentMs + latencyMs;
    }
  }

  /**
   * The calls sent in a window: how many, how many failed (and the first few failures), and the
   * longest time without a successful answer, counted from the window's start to its end.
   */
  record Window(long fromMs, long toMs, int sent, int failed, long longestGapMs, List<Call> failures) {

    /** The send times of the failed calls as offsets from {@code originMs}, e.g. "+0.3 s … +6.1 s". */
    String failedSpan(long originMs) {
      if (failures.isEmpty()) {
        return "none";
      }
      return String.format("sent +%.1f s … +%.1f s", (failures.get(0).sentMs() - originMs) / 1000.0,
          (failures.get(failures.size() - 1).sentMs() - originMs) / 1000.0);
    }
  }

  private final List<Call> calls = new CopyOnWriteArrayList<>();

  void add(Call call) {
    calls.add(call);
  }

  /** A log read from a file of {@code sentEpochMs,latencyMs,ok|failed …} lines ({@link ExampleClient}). */
  static CallLog read(Path file) {
    CallLog log = new CallLog();
    try {
      if (!Files.exists(file)) {
        return log;
      }
      for (String line : Files.readAllLines(file)) {
        String[] fields = line.split(",", 3);
        if (fields.length == 3) {
          log.add(new Call(Long.parseLong(fields[0]), Long.parseLong(fields[1]), fields[2].equals("ok"), fields[2]));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return log;
  }

  int size() {
    return calls.size();
  }

  /** The calls sent in [{@code fromMs}, {@code toMs}]; call it once every such call has had time to end. */
  Window window(long fromMs, long toMs) {
    List<Call> sent = calls.stream().filter(c -> c.sentMs() >= fromMs && c.sentMs() <= toMs)
        .sorted(Comparator.comparingLong(Call::sentMs)).toList();
    List<Call> failed = sent.stream().filter(c -> !c.ok()).toList();
    List<Long> answered = new ArrayList<>();
    answered.add(fromMs);
    sent.stream().filter(Call::ok).map(Call::doneMs).filter(t -> t <= toMs).sorted().forEach(answered::add);
    answered.add(toMs);
    long gap = 0;
    for (int i = 1; i < answered.size(); i++) {
      gap = Math.max(gap, answered.get(i) - answered.get(i - 1));
    }
    return new Window(fromMs, toMs, sent.size(), failed.size(), gap, failed);
  }
}
