package dev.hse4j.servlet;

import jakarta.servlet.ServletOutputStream;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;

/**
 * Finds a container's {@code ServletOutputStream.write(ByteBuffer)}: standard from Servlet 6.1, and public on
 * Tomcat 10.1's and Jetty 12 ee10's streams before it. With it, a buffer without an accessible array (read-only
 * or direct, as the stream sample's pattern windows) goes to the container as it is instead of through a copy.
 * Looked up once per stream class (a filter's wrapper is another class, usually without one: then copied).
 */
final class BufferWrites {

    private static final MethodType SHAPE = MethodType.methodType(void.class, ServletOutputStream.class,
            ByteBuffer.class);

    private final ClassValue<MethodHandle> byClass = new ClassValue<>() {
        @Override
        protected MethodHandle computeValue(Class<?> type) {
            return find(type);
        }
    };

    /** @return {@code out}'s own {@code write(ByteBuffer)} as {@code (ServletOutputStream, ByteBuffer)void}, or null */
    MethodHandle of(ServletOutputStream out) {
        return of(out.getClass());
    }

    /** @return the {@code write(ByteBuffer)} of streams of this class, or null */
    MethodHandle of(Class<?> streamClass) {
        return byClass.get(streamClass);
    }

    private static MethodHandle find(Class<?> type) {
        try {
            Method m = type.getMethod("write", ByteBuffer.class);
            if (!Modifier.isPublic(m.getDeclaringClass().getModifiers()) || Modifier.isStatic(m.getModifiers())) {
                return null;
            }
            return MethodHandles.publicLookup().unreflect(m).asType(SHAPE);
        } catch (NoSuchMethodException | IllegalAccessException | SecurityException e) {
            return null;
        }
    }
}
