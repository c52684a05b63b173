package dev.hse4j.server.startup;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Test helper run as its own process ({@code java HoldLock.java FILE}): locks FILE, prints L, waits to be killed. */
public final class HoldLock {
    public static void main(String[] args) throws Exception {
        FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.WRITE);
        if (ch.tryLock() == null) {
            System.exit(1);
        }
        System.out.print('L');
        System.out.flush();
        Thread.currentThread().join();
    }
}
