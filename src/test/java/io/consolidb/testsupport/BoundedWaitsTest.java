package io.consolidb.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every wait in the code and its tests has a bound: a bare {@code Future.await()} blocks for ever
 * when what it waits for hangs, and in CI that is a stuck job instead of a red test naming the
 * wait. (JUnit's default timeout is the second line of defence, not the first.)
 */
class BoundedWaitsTest {

  @Test
  void noUnboundedAwait() throws IOException {
    List<String> unbounded = new ArrayList<>();
    for (Path root : List.of(Path.of("src/main/java"), Path.of("src/test/java"))) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java"))
            .filter(f -> !f.endsWith("BoundedWaitsTest.java")).toList()) {
          List<String> lines = Files.readAllLines(file);
          for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(".await()")) {
              unbounded.add(root.relativize(file) + ":" + (i + 1));
            }
          }
        }
      }
    }
    assertThat(unbounded).as("calls of .await() without a timeout").isEmpty();
  }
}
