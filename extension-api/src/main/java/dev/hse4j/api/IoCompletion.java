package dev.hse4j.api;

/**
 * PFN_HSE_IO_COMPLETION: the callback that ends an asynchronous operation. Register it with
 * {@link ExtensionControlBlock#ioCompletion(IoCompletion, Object)}; an operation that takes its own
 * callback (as {@link TransmitFileInfo}) uses that one instead, for that operation only.
 *
 * <p>The server calls it exactly once per operation, on a server thread (never a network selector
 * thread, never inside the call that started the operation). It may start the next operation; chaining
 * operations from completions does not grow the stack. It should not block for long: it holds a server
 * thread.
 */
@FunctionalInterface
public interface IoCompletion {

    /**
     * Called when an asynchronous operation has finished.
     *
     * @param completion the ECB, the registered context, the bytes transferred and the outcome
     */
    void onCompletion(Completion completion);
}
