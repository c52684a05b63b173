package dev.hse4j.server.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged server ({@code server/target/hse4j-server.jar}) run as its own process, as a user runs it: its
 * output is kept (and echoed with its pid) so a test can wait for a line; {@link #close()} stops it (SIGTERM,
 * then SIGKILL after 20 s) so no test leaves one behind.
 */
public final class ServerProcess implements AutoCloseable {

    /** The packaged jar (the server module's directory is the working directory of its tests). */
    public static final Path JAR = Path.of("target/hse4j-server.jar").toAbsolutePath();
    /** "hse4j listening on http://HOST:PORT/" (a specific address). */
    public static final Pattern LISTENING = Pattern.compile("hse4j listening on (http://\\S+?):(\\d+)/");
    /** "hse4j ready: ..." once the start-up deploys are done. */
    public static final Pattern READY = Pattern.compile("hse4j ready: ");

    private final Process process;
    private final List<String> lines = new ArrayList<>(); // guarded by this

    private ServerProcess(Process process) {
        this.process = process;
        Thread pump = new Thread(this::pump, "server-" + process.pid() + "-output");
        pump.setDaemon(true);
        pump.start();
    }

    /**
     * Starts {@code java [jvmArgs] -jar hse4j-server.jar [args]}.
     *
     * @param cwd the working directory
     * @param env extra environment variables
     * @param jvmArgs JVM options (e.g. -Dx=y)
     * @param args the server's flags ({@code --grace-period 0} is added unless they set one)
     * @return the running process
     * @throws IOException if it cannot be started
     */
    public static ServerProcess start(Path cwd, Map<String, String> env, List<String> jvmArgs, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-jar");
        cmd.add(JAR.toString());
        cmd.addAll(List.of(args));
        List<String> given = List.of(args);
        if (!given.contains("--grace-period") && !given.contains("--help") && !given.contains("--version")) {
            // close() sends SIGTERM: without a balancer to notice, the default grace period only slows tests down.
            cmd.addAll(List.of("--grace-period", "0"));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
        pb.environment().remove("HSE4J_HOME");
        pb.environment().putAll(env);
        return new ServerProcess(pb.start());
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                System.out.println("[server " + process.pid() + "] " + line);
                synchronized (this) {
                    lines.add(line);
                    notifyAll();
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
        synchronized (this) {
            lines.add(null); // end of output
            notifyAll();
        }
    }

    /**
     * Waits for a line matching {@code p}.
     *
     * @return the match
     * @throws IllegalStateException if the output ends or the time runs out first
     */
    public synchronized Matcher awaitLine(Pattern p, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        while (true) {
            for (; seen < lines.size(); seen++) {
                String l = lines.get(seen);
                if (l == null) {
                    throw new IllegalStateException("the server exited before printing /" + p + "/:\n" + output());
                }
                Matcher m = p.matcher(l);
                if (m.find()) {
                    return m;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException("no line /" + p + "/ within " + timeout + ":\n" + output());
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    /** @return the HTTP base URI once the server listens and its start-up deploys are done */
    public URI awaitReady() throws InterruptedException {
        Matcher m = awaitLine(LISTENING, Duration.ofSeconds(60));
        awaitLine(READY, Duration.ofSeconds(60));
        return URI.create(m.group(1) + ":" + m.group(2) + "/");
    }

    /** @return everything printed so far */
    public synchronized String output() {
        StringBuilder b = new StringBuilder();
        for (String l : lines) {
            if (l != null) {
                b.append(l).append('\n');
            }
        }
        return b.toString();
    }

    /** @return the process */
    public Process process() {
        return process;
    }

    /** @return its pid */
    public long pid() {
        return process.pid();
    }

    /**
     * Sends SIGTERM with kill(1), not {@link Process#destroy()}: that closes our end of the process's output
     * pipe as well, so what the server logs while it drains would be lost.
     */
    public void sigterm() throws IOException, InterruptedException {
        signal("TERM");
    }

    /** Sends SIGKILL. */
    public void sigkill() throws IOException, InterruptedException {
        signal("KILL");
    }

    private void signal(String name) throws IOException, InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** @return the exit code, waiting at most {@code timeout} @throws IllegalStateException if still running */
    public int awaitExit(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("still running after " + timeout);
        }
        // The process has ended, but the pump may still be reading its last lines: wait for the end marker,
        // so that output() holds everything it printed.
        synchronized (this) {
            while (lines.isEmpty() || lines.get(lines.size() - 1) != null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("the output did not end within " + timeout);
                }
                wait(Math.max(1, left / 1_000_000));
            }
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            try {
                sigterm();
            } catch (IOException e) {
                process.destroy();
            }
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
