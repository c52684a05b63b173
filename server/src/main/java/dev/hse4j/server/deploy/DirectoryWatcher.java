package dev.hse4j.server.deploy;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hot deployment: looks at the extensions directory every scan interval and deploys new jars, redeploys
 * changed ones and undeploys deleted ones, on a thread of its own.
 *
 * <ul>
 *   <li>A new or changed jar is loaded only once its size, modification time and file identity are the same
 *       at two looks in a row, so a jar still being copied is not loaded half-written (a jar is served within
 *       about two scan intervals of being complete). The safe way to drop a jar in is still to copy it under
 *       a dot-name (ignored) and rename it: a rename is atomic.</li>
 *   <li>Names that {@link Deployer#isCandidate(String)} rejects (dot-files, editor and temporary names) are
 *       ignored.</li>
 *   <li>A jar that fails to load is not tried again until it changes (or, if it failed only because another
 *       jar serves one of its names, until some jar is removed).</li>
 *   <li>A jar is undeployed once it is missing at two looks in a row. If the directory itself cannot be
 *       read, nothing is undeployed: a vanished mount does not take every extension down.</li>
 * </ul>
 */
public final class DirectoryWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DirectoryWatcher.class);

    /** What identifies one version of a file between two looks. */
    private record Stamp(long size, long modifiedNanos, Object fileKey) {
    }

    /** What the watcher knows of one jar name. */
    private static final class Entry {
        Stamp lastLook;
        Stamp attempted;
        int missingLooks;
    }

    private final Path dir;
    private final Deployer deployer;
    private final Duration interval;
    private final Map<String, Entry> entries = new HashMap<>(); // guarded by this
    private final ScheduledThreadPoolExecutor thread = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "hse4j-watch");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong scans = new AtomicLong();
    private volatile Instant lastScan;
    private volatile String dirProblem;

    /**
     * @param deployer deploys into the registry (its directory is the one watched)
     * @param interval how often to look
     */
    public DirectoryWatcher(Deployer deployer, Duration interval) {
        this.dir = deployer.dir();
        this.deployer = deployer;
        this.interval = interval;
    }

    /**
     * Deploys the jars already there (at once, without waiting for two looks: the server is starting; several
     * at a time), then watches.
     */
    public void start() {
        synchronized (this) {
            Map<String, Stamp> now = look();
            if (now != null) {
                List<Path> jars = new ArrayList<>();
                now.forEach((name, stamp) -> {
                    Entry e = new Entry();
                    e.lastLook = stamp;
                    e.attempted = stamp;
                    entries.put(name, e);
                    jars.add(dir.resolve(name));
                });
                deployer.deployAll(jars);
            }
        }
        long ms = interval.toMillis();
        thread.scheduleWithFixedDelay(this::scanSafely, ms, ms, TimeUnit.MILLISECONDS);
        LOG.info("watching {} for extension jars every {} ms", dir.toAbsolutePath(), ms);
    }

    private void scanSafely() {
        try {
            scan();
        } catch (Throwable t) {
            LOG.error("scanning {} failed; trying again at the next look", dir, t);
        }
    }

    /** One look at the directory. Public for tests that drive the watcher by hand. */
    public synchronized void scan() {
        Map<String, Stamp> now = look();
        scans.incrementAndGet();
        lastScan = Instant.now();
        if (now == null) {
            return;
        }
        boolean removed = false;
        for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Entry> me = it.next();
            if (now.containsKey(me.getKey())) {
                continue;
            }
            Entry e = me.getValue();
            if (++e.missingLooks >= 2) {
                it.remove();
                if (e.attempted != null) {
                    deployer.undeploy(dir.resolve(me.getKey()));
                    removed = true;
                }
            }
        }
        for (Map.Entry<String, Stamp> me : now.entrySet()) {
            Entry e = entries.computeIfAbsent(me.getKey(), k -> new Entry());
            Stamp stamp = me.getValue();
            e.missingLooks = 0;
            if (stamp.equals(e.lastLook) && !stamp.equals(e.attempted)) {
                e.attempted = stamp;
                deployer.deploy(dir.resolve(me.getKey()));
            }
            e.lastLook = stamp;
        }
        if (removed) {
            // A name may have been freed: jars that failed only on a name clash get another try.
            for (Map.Entry<String, Entry> me : entries.entrySet()) {
                Deployer.Outcome o = deployer.outcome(me.getKey());
                Entry e = me.getValue();
                if (o != null && !o.ok() && o.nameClash() && Objects.equals(e.attempted, e.lastLook)) {
                    deployer.deploy(dir.resolve(me.getKey()));
                }
            }
        }
    }

    /** @return the candidate jars and their stamps, in name order, or {@code null} if the directory cannot be read */
    private Map<String, Stamp> look() {
        Map<String, Stamp> out = new TreeMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (!Deployer.isCandidate(name)) {
                    continue;
                }
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    if (a.isRegularFile()) {
                        out.put(name, new Stamp(a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS), a.fileKey()));
                    }
                } catch (NoSuchFileException gone) {
                    // deleted between the listing and the look
                }
            }
        } catch (IOException e) {
            String problem = e instanceof NoSuchFileException ? "does not exist" : e.toString();
            if (!problem.equals(dirProblem)) {
                LOG.warn("cannot read the extensions directory {} ({}); nothing is undeployed until it can be read",
                        dir.toAbsolutePath(), problem);
            }
            dirProblem = problem;
            return null;
        }
        if (dirProblem != null) {
            LOG.info("the extensions directory {} can be read again", dir.toAbsolutePath());
            dirProblem = null;
        }
        return out;
    }

    /** @return the scan interval */
    public Duration interval() {
        return interval;
    }

    /** @return how many looks were taken */
    public long scans() {
        return scans.get();
    }

    /** @return when the last look was taken, or {@code null} */
    public Instant lastScan() {
        return lastScan;
    }

    /** @return why the directory could not be read at the last look, or {@code null} */
    public String dirProblem() {
        return dirProblem;
    }

    /** Stops watching (deployed extensions stay deployed). */
    @Override
    public void close() {
        thread.shutdownNow();
        try {
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("the directory watcher did not stop within 10 s (a deploy is still running)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
