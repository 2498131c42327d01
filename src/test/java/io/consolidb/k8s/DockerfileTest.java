package io.consolidb.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.RenderedManifests;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** k8s/Dockerfile: a pinned base, the jar and configuration only, a non-root user, no JVM tuning. */
class DockerfileTest {

  /** The instructions, continuation lines joined, comments left out. */
  static List<String> instructions() throws IOException {
    return instructions(Path.of("k8s", "Dockerfile"));
  }

  static List<String> instructions(Path dockerfile) throws IOException {
    List<String> instructions = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : Files.readAllLines(dockerfile)) {
      if (line.isBlank() || line.stripLeading().startsWith("#")) {
        continue;
      }
      current.append(line.strip());
      if (line.endsWith("\\")) {
        current.setLength(current.length() - 1);
        current.append(' ');
      } else {
        instructions.add(current.toString());
        current.setLength(0);
      }
    }
    return instructions;
  }

  private static List<String> all(String keyword) throws IOException {
    return instructions().stream().filter(i -> i.startsWith(keyword + " ")).map(i -> i.substring(keyword.length() + 1))
        .collect(Collectors.toList());
  }

  @Test
  @DisplayName("one stage, on a JRE pinned to a full version, never latest")
  void base_pinned() throws IOException {
    assertThat(all("FROM")).singleElement().satisfies(image ->
        assertThat(image).matches("eclipse-temurin:17\\.0\\.\\d+_\\d+-jre-[a-z]+(@sha256:[0-9a-f]{64})?"));
  }

  @Test
  @DisplayName("only the jar and the configuration are copied in")
  void copies_jarAndConfigOnly() throws IOException {
    assertThat(all("COPY")).containsExactly("target/consolidb.jar /app/consolidb.jar", "conf /app/conf");
    assertThat(all("ADD")).isEmpty();
  }

  @Test
  @DisplayName("runs as a numeric non-root user, the Deployment's")
  void user_numericNonRoot() throws IOException {
    assertThat(all("USER")).singleElement().satisfies(user -> {
      assertThat(user).matches("\\d+:\\d+");
      long uid = Long.parseLong(user.split(":")[0]);
      assertThat(uid).isPositive();
      Deployment deployment = RenderedManifests.render("production").one(Deployment.class);
      assertThat(deployment.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsUser()).isEqualTo(uid);
    });
  }

  @Test
  @DisplayName("no JVM tuning in the image: the Deployment's JAVA_TOOL_OPTIONS is the one place; only the archive is named")
  void jvmFlags_fromTheDeploymentOnly() throws IOException {
    assertThat(all("ENV")).isEmpty();
    String entrypoint = all("ENTRYPOINT").get(0);
    assertThat(entrypoint).isEqualTo("[\"java\", \"-XX:SharedArchiveFile=/app/consolidb.jsa\", \"-jar\", \"/app/consolidb.jar\"]");
    assertThat(all("CMD")).containsExactly("[\"run\"]");
    // the training run writes the archive the entrypoint names
    assertThat(all("RUN")).singleElement().asString()
        .contains("-XX:ArchiveClassesAtExit=/app/consolidb.jsa -jar /app/consolidb.jar train");
  }

  @Test
  @DisplayName("the ports it exposes are the Deployment's container ports")
  void exposes_theContainerPorts() throws IOException {
    List<Integer> exposed = all("EXPOSE").stream().flatMap(e -> Arrays.stream(e.split("\\s+")))
        .map(Integer::valueOf).toList();
    List<Integer> declared = RenderedManifests.render("production").one(Deployment.class).getSpec().getTemplate()
        .getSpec().getContainers().get(0).getPorts().stream().map(ContainerPort::getContainerPort).toList();
    assertThat(exposed).containsExactlyInAnyOrderElementsOf(declared);
  }
}
