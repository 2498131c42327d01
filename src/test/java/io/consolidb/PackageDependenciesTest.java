package io.consolidb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The restaurant, user and analytics services do not depend on one another: what they share
 * lives in {@code io.consolidb.service}, so each can change (or move to a node of its own)
 * without the others. Checked on the sources, which Maven runs the tests next to.
 */
class PackageDependenciesTest {

  private static final List<String> SERVICES = List.of("restaurant", "user", "analytics");

  @ParameterizedTest(name = "{0} uses no other service package")
  @ValueSource(strings = {"restaurant", "user", "analytics"})
  void servicePackage_importsNoOtherService(String service) throws IOException {
    Path root = Path.of("src/main/java/io/consolidb", service);
    assertThat(root).isDirectory();
    List<String> offending = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        for (String line : Files.readAllLines(file)) {
          for (String other : SERVICES) {
            if (!other.equals(service) && line.contains("io.consolidb." + other + ".")) {
              offending.add(root.relativize(file) + ": " + line.strip());
            }
          }
        }
      }
    }
    assertThat(offending).isEmpty();
  }
}
