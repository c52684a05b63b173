package dev.hse4j.server.deploy;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One server's own directory of shadow copies, {@code <work>/shadow/<pid>-<jvm start>-<random>}, so that
 * two servers started in the same directory never touch each other's copies. The owner holds an OS file lock
 * on {@code .owner.lock} inside it for as long as it runs: another process's directory whose lock can be
 * taken belongs to a process that is gone (crashed or killed), and only such stale directories are deleted.
 * The lock decides, not whether the pid is alive: pids are reused (every container's server is pid 1). A
 * directory of this JVM (same pid and start time: another server in the same JVM) is never probed, since
 * closing a probe channel would drop this JVM's own lock on that file; one with this pid but another start
 * time is a previous process's.
 */
public final class ShadowDirectory implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ShadowDirectory.class);
    static final String LOCK_FILE = ".owner.lock";
    /** A directory without a lock file is stale only once it is this old (its owner may be creating it). */
    private static final Duration UNLOCKED_GRACE = Duration.ofMinutes(1);

    /** {@code <pid>-<start millis>}: names this JVM's directories. */
    private static final String JVM = ProcessHandle.current().pid() + "-"
            + ManagementFactory.getRuntimeMXBean().getStartTime();

    private final Path base;
    private final Path dir;
    private FileChannel lockChannel; // guarded by this
    private FileLock lock;           // guarded by this

    /** @param base the parent of every process's shadow directory ({@code <work>/shadow}) */
    public ShadowDirectory(Path base) {
        this.base = base;
        byte[] r = new byte[4];
        ThreadLocalRandom.current().nextBytes(r);
        this.dir = base.resolve(JVM + "-" + HexFormat.of().formatHex(r));
    }

    /** @return this process's directory (it exists once {@link #claim()} returned) */
    public Path dir() {
        return dir;
    }

    /**
     * Creates this process's directory, locks it, then deletes the directories of processes that are gone.
     *
     * @throws IOException if the directory cannot be created or locked
     */
    public synchronized void claim() throws IOException {
        Files.createDirectories(dir);
        lockChannel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        lock = lockChannel.tryLock();
        if (lock == null) {
            lockChannel.close();
            throw new IOException("cannot lock the new shadow directory " + dir);
        }
        cleanStale();
    }

    private void cleanStale() {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(base)) {
            for (Path p : ds) {
                if (!p.getFileName().toString().startsWith(JVM + "-") && Files.isDirectory(p) && isStale(p)) {
                    LOG.info("deleting the stale shadow directory {} (its server is gone)", p);
                    deleteTree(p);
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot look for stale shadow directories in {}: {}", base, e.toString());
        }
    }

    /** Whether no running process owns {@code p}: its lock can be taken (or it never had one and is old). */
    static boolean isStale(Path p) {
        Path lockFile = p.resolve(LOCK_FILE);
        if (!Files.exists(lockFile)) {
            try {
                FileTime t = Files.getLastModifiedTime(p);
                return t.toInstant().isBefore(Instant.now().minus(UNLOCKED_GRACE));
            } catch (IOException e) {
                return false;
            }
        }
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock l = ch.tryLock();
            if (l == null) {
                return false; // another process holds it
            }
            l.release();
            return true;
        } catch (OverlappingFileLockException e) {
            return false;
        } catch (NoSuchFileException e) {
            return false; // its owner just deleted it
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteTree(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            LOG.warn("cannot delete all of {}: {}", p, e.toString());
        }
    }

    /** Releases the lock and deletes this process's directory (server stop). */
    @Override
    public synchronized void close() {
        if (lock == null) {
            return; // never claimed: nothing of ours on disk
        }
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            LOG.debug("releasing the shadow directory lock", e);
        }
        lock = null;
        deleteTree(dir);
    }
}
