package io.consolidb.k8s;

import io.consolidb.testsupport.JavaProcess;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretVolumeSource;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.vertx.core.json.JsonArray;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A pod of a rendered Deployment laid out and run on this machine the way the kubelet and the
 * container runtime would, so the manifests' contract is exercised without a cluster:
 * <ul>
 *   <li>the image: what {@code k8s/Dockerfile} copies into its {@code WORKDIR}, here in a directory
 *       owned by root, directories 0555 and files 0444 (read-only to the container's user);</li>
 *   <li>each Secret volume: a directory laid out like the kubelet's (the files in a timestamped
 *       directory, {@code ..data} pointing at it, each key a symlink through {@code ..data}), files
 *       of group {@code fsGroup} with the volume's {@code defaultMode};</li>
 *   <li>the environment: the ConfigMap of {@code envFrom} and the container's {@code env}, as
 *       rendered, with a path under a volume's {@code mountPath} mapped to that volume's directory
 *       and {@code fieldRef status.podIP} = 127.0.0.1;</li>
 *   <li>the process: {@code src/test/resources/io/consolidb/k8s/pod-sandbox.sh} in a mount
 *       namespace of its own (every mount read-only, {@code /tmp} a fresh tmpfs of the emptyDir's
 *       {@code sizeLimit}), as {@code runAsUser}:{@code runAsGroup} with no supplementary group, no
 *       capability, no_new_privs; the image's {@code ENTRYPOINT} with the container's {@code args}.</li>
 * </ul>
 * Needs root (mount namespace, files of other owners). The pod's directory is not under
 * {@code /tmp}: the emptyDir hides all of {@code /tmp}, and the project itself may live there.
 */
final class LocalPod implements AutoCloseable {

  /** Where pods are laid out: outside {@code /tmp} (see above). */
  private static final Path BASE = Path.of("/var/tmp");
  private static final String SANDBOX = "pod-sandbox.sh";
  /** What the container runtime gives every container besides the pod's variables. */
  private static final Map<String, String> RUNTIME_ENV = Map.of(
      "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      // the image (eclipse-temurin) sets en_US.UTF-8; what the JVM takes from it is the charset
      "LANG", "C.UTF-8");
  public static final String POD_IP = "127.0.0.1";

  private final String name;
  private final PodSpec spec;
  private final Path root;
  private final Path app;
  private final Map<String, Path> volumes = new HashMap<>();
  private Image image;

  private LocalPod(String name, PodSpec spec, Path root) {
    this.name = name;
    this.spec = spec;
    this.root = root;
    this.app = root.resolve("app");
  }

  /** An empty pod directory for {@code spec}. */
  static LocalPod create(String name, PodSpec spec) {
    try {
      // the container's user walks through it to its volumes and its image
      return new LocalPod(name, spec, Files.createTempDirectory(BASE, "consolidb-pod-",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x"))));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path root() {
    return root;
  }

  /** The image's working directory on this machine. */
  Path app() {
    return app;
  }

  /** The image as {@code dockerfile} builds it, its COPY sources taken from the working directory. */
  void installImage(Path dockerfile) throws IOException {
    image = Image.read(dockerfile);
    for (Map.Entry<String, String> copy : image.copies().entrySet()) {
      Path target = local(image.workdir(), copy.getValue(), app)
          .orElseThrow(() -> new IllegalStateException("COPY outside " + image.workdir() + ": " + copy));
      copyTree(Path.of(copy.getKey()), target);
    }
    for (String run : image.runs()) {
      build(run);
    }
    try (Stream<Path> all = Files.walk(app)) {
      for (Path path : all.toList()) {
        Files.setAttribute(path, "unix:uid", 0);
        Files.setAttribute(path, "unix:gid", 0);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(
            Files.isDirectory(path) ? "r-xr-xr-x" : "r--r--r--"));
      }
    }
  }

  /**
   * A RUN step, as root in the app directory like a build: its paths under the image's working
   * directory moved to the app directory, its {@code java} the JVM the pod's processes run on (an
   * AppCDS archive is only used by the JVM that wrote it).
   */
  private void build(String run) throws IOException {
    String command = run.replace(image.workdir() + "/", app + "/");
    ProcessBuilder builder = new ProcessBuilder("sh", "-c", command).directory(app.toFile())
        .redirectErrorStream(true).redirectOutput(root.resolve("image-build.log").toFile());
    // what a docker build's RUN has, nothing of this shell's (its DATABASE_READ_URL, say)
    builder.environment().clear();
    builder.environment().put("HOME", "/root");
    builder.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH"));
    Process process = builder.start();
    try {
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("the image's RUN step did not finish within 120 s: " + run);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (process.exitValue() != 0) {
      throw new IllegalStateException("the image's RUN step failed (exit " + process.exitValue() + "): " + run + "\n"
          + Files.readString(root.resolve("image-build.log")));
    }
  }

  /**
   * Lays out the volume of Secret {@code secretName} with {@code files} (content as written:
   * {@code kubectl create secret --from-file} keeps a file's final newline).
   */
  void secret(String secretName, Map<String, String> files) throws IOException {
    Volume volume = spec.getVolumes().stream()
        .filter(v -> v.getSecret() != null && secretName.equals(v.getSecret().getSecretName())).findFirst()
        .orElseThrow(() -> new IllegalStateException("no volume of Secret " + secretName));
    SecretVolumeSource source = volume.getSecret();
    Path dir = root.resolve("volumes").resolve(volume.getName());
    Path data = dir.resolve("..2026_01_01_00_00_00.000000001");
    Files.createDirectories(data);
    for (Map.Entry<String, String> file : files.entrySet()) {
      Path path = Files.writeString(data.resolve(file.getKey()), file.getValue(), StandardCharsets.UTF_8);
      Files.setAttribute(path, "unix:gid", fsGroup());
      Files.setAttribute(path, "unix:mode", source.getDefaultMode());
      Files.createSymbolicLink(dir.resolve(file.getKey()), Path.of("..data", file.getKey()));
    }
    Files.createSymbolicLink(dir.resolve("..data"), data.getFileName());
    for (Path d : List.of(dir, data)) {
      Files.setAttribute(d, "unix:gid", fsGroup());
      Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("r-xr-x---"));
    }
    volumes.put(volume.getName(), dir);
  }

  /** The file behind key {@code key} of Secret {@code secretName}'s volume. */
  Path secretFile(String secretName, String key) {
    String volume = spec.getVolumes().stream()
        .filter(v -> v.getSecret() != null && secretName.equals(v.getSecret().getSecretName()))
        .map(Volume::getName).findFirst().orElseThrow();
    Path link = volumes.get(volume).resolve(key);
    try {
      return link.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The environment the kubelet gives {@code container}: the runtime's, then the ConfigMaps of
   * {@code envFrom} (only {@code configMap} is here), then {@code env}, which wins.
   */
  Map<String, String> environment(Container container, ConfigMap configMap) {
    Map<String, String> base = new LinkedHashMap<>(RUNTIME_ENV);
    base.put("HOSTNAME", name);
    return PodEnvironment.of(base, container, configMap, POD_IP, value -> mapped(container, value));
  }

  /** {@code value} with a path under one of the container's volume mounts mapped to the volume's directory. */
  private String mapped(Container container, String value) {
    for (VolumeMount mount : container.getVolumeMounts()) {
      Path dir = volumes.get(mount.getName());
      if (dir != null) {
        Optional<Path> local = local(mount.getMountPath(), value, dir);
        if (local.isPresent()) {
          return local.get().toString();
        }
      }
    }
    return value;
  }

  /** An entrypoint word with its path (or an option's value, {@code -XX:X=/app/…}) under the app directory. */
  private String localWord(String word) {
    int equals = word.indexOf('=');
    if (word.startsWith("-") && equals > 0) {
      String value = word.substring(equals + 1);
      return word.substring(0, equals + 1) + local(image.workdir(), value, app).map(Path::toString).orElse(value);
    }
    return local(image.workdir(), word, app).map(Path::toString).orElse(word);
  }

  /** {@code path} under {@code mountPath}, as the same place under {@code dir}; empty when it is not under it. */
  private static Optional<Path> local(String mountPath, String path, Path dir) {
    if (path.equals(mountPath)) {
      return Optional.of(dir);
    }
    String prefix = mountPath.endsWith("/") ? mountPath : mountPath + "/";
    return path.startsWith(prefix) ? Optional.of(dir.resolve(path.substring(prefix.length()))) : Optional.empty();
  }

  /** Starts {@code container} with {@code env}; its output goes to {@code target/<processName>.log}. */
  JavaProcess start(String processName, Container container, Map<String, String> env) {
    if (image == null) {
      throw new IllegalStateException("installImage first");
    }
    var context = container.getSecurityContext();
    if (context == null || !Boolean.TRUE.equals(context.getReadOnlyRootFilesystem())) {
      throw new IllegalStateException("only a read-only root file system is emulated here: " + container.getName());
    }
    for (VolumeMount mount : container.getVolumeMounts()) {
      if (!volumes.containsKey(mount.getName()) && !mount.getMountPath().equals("/tmp")) {
        throw new IllegalStateException("volume " + mount.getName() + " of " + container.getName() + " is not laid out");
      }
    }
    if (runAsGroup(container) != fsGroup()) {
      // the kubelet adds fsGroup as a supplementary group; the sandbox clears them all, which gives
      // the same access to the volumes only while fsGroup is the process's own group
      throw new IllegalStateException("fsGroup other than runAsGroup is not emulated here");
    }
    List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private",
        "sh", "-c", sandboxScript(), "pod-sandbox", Long.toString(tmpBytes(container)), app.toString(),
        Long.toString(runAsUser(container)), Long.toString(runAsGroup(container))));
    for (String word : image.entrypoint()) {
      // the image's java is the JRE this JVM runs on; its paths are under the pod's app directory
      command.add(word.equals("java") ? Path.of(System.getProperty("java.home"), "bin", "java").toString()
          : localWord(word));
    }
    command.addAll(container.getArgs());
    return JavaProcess.exec(processName, command, env, root);
  }

  /** The size of the emptyDir mounted at {@code /tmp}: its {@code sizeLimit}. */
  long tmpBytes(Container container) {
    VolumeMount tmp = container.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/tmp")).findFirst()
        .orElseThrow(() -> new IllegalStateException(container.getName() + " mounts no emptyDir at /tmp"));
    Volume volume = spec.getVolumes().stream().filter(v -> v.getName().equals(tmp.getName())).findFirst().orElseThrow();
    if (volume.getEmptyDir() == null || volume.getEmptyDir().getSizeLimit() == null) {
      throw new IllegalStateException("/tmp of " + container.getName() + " is not an emptyDir with a sizeLimit");
    }
    return Quantity.getAmountInBytes(volume.getEmptyDir().getSizeLimit()).longValueExact();
  }

  long runAsUser(Container container) {
    Long user = container.getSecurityContext().getRunAsUser();
    return user != null ? user : required(spec.getSecurityContext().getRunAsUser(), "runAsUser");
  }

  long runAsGroup(Container container) {
    Long group = container.getSecurityContext().getRunAsGroup();
    return group != null ? group : required(spec.getSecurityContext().getRunAsGroup(), "runAsGroup");
  }

  private int fsGroup() {
    return Math.toIntExact(required(spec.getSecurityContext().getFsGroup(), "fsGroup"));
  }

  private static long required(Long value, String field) {
    if (value == null) {
      throw new IllegalStateException("the pod's securityContext has no " + field);
    }
    return value;
  }

  private static String sandboxScript() {
    try (InputStream in = LocalPod.class.getResourceAsStream(SANDBOX)) {
      if (in == null) {
        throw new IllegalStateException(SANDBOX + " not on the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void copyTree(Path source, Path target) throws IOException {
    try (Stream<Path> all = Files.walk(source)) {
      for (Path path : all.toList()) {
        Path to = target.resolve(source.relativize(path).toString());
        if (Files.isDirectory(path)) {
          Files.createDirectories(to);
        } else {
          Files.createDirectories(to.getParent());
          Files.copy(path, to);
        }
      }
    }
  }

  /** Deletes the pod's directory. */
  @Override
  public void close() throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  /** What {@code k8s/Dockerfile} builds: its working directory, the files it copies there, its entrypoint. */
  record Image(String workdir, Map<String, String> copies, List<String> runs, List<String> entrypoint) {

    static Image read(Path dockerfile) throws IOException {
      String workdir = null;
      Map<String, String> copies = new LinkedHashMap<>();
      List<String> runs = new ArrayList<>();
      List<String> entrypoint = null;
      for (String line : DockerfileTest.instructions(dockerfile)) {
        String[] words = line.trim().split("\\s+", 2);
        switch (words[0]) {
          case "WORKDIR" -> workdir = words[1];
          case "COPY" -> {
            String[] paths = words[1].split("\\s+");
            if (paths.length != 2 || paths[0].startsWith("--")) {
              throw new IllegalStateException("a COPY not emulated here: " + line);
            }
            copies.put(paths[0], paths[1]);
          }
          case "RUN" -> runs.add(words[1]);
          case "ENTRYPOINT" -> entrypoint = new JsonArray(words[1]).stream().map(String::valueOf).toList();
          default -> {
            // FROM, USER, EXPOSE, CMD: the pod spec says who runs what
          }
        }
      }
      if (workdir == null || entrypoint == null) {
        throw new IllegalStateException(dockerfile + " has no WORKDIR or no ENTRYPOINT (exec form)");
      }
      return new Image(workdir, copies, runs, entrypoint);
    }
  }
}
