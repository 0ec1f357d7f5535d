package io.accessplan.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** Entry point of {@code ./accessplan}. */
@Command(name = "accessplan", mixinStandardHelpOptions = true, version = "accessplan " + Main.VERSION,
        description = "Tells a training job which GPU memory scheduling strategy trains its model fastest without"
                + " running out of memory.",
        subcommands = {PlanCommand.class, SweepCommand.class, TrainCommand.class, EvaluateCommand.class,
                RecommendCommand.class, BatchCommand.class, CrossCheckCommand.class, ImportCommand.class, DemoCommand.class,
                io.accessplan.collector.RowLogSweep.class,
                CalibrateCommand.class,

                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Tool version, recorded in provenance. */
    public static final String VERSION = "0.1.0";

    /** Exit code for bad input. */
    public static final int BAD_INPUT = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Builds the command line with the error handling every subcommand shares. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("accessplan: " + firstLine(ex.getMessage()));
            err.flush();
            return BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (ex instanceof IllegalArgumentException || ex instanceof BadInputException
                    || ex instanceof java.io.UncheckedIOException || ex instanceof java.io.IOException) {
                // bad input, or an I/O failure whose message names the path: one line, exit 2
                err.println("accessplan: " + firstLine(ex.getMessage()));
                err.flush();
                return BAD_INPUT;
            }
            if (ex instanceof ArithmeticException) {
                // a checked byte or FLOP count overflowed: the sizes are within their bounds but their product is not
                err.println("accessplan: workload too large: a byte count overflows 64 bits (" + firstLine(ex.getMessage())
                        + "); lower the sizes");
                err.flush();
                return BAD_INPUT;
            }
            err.println("accessplan: internal error: " + firstLine(String.valueOf(ex)));
            err.flush();
            return 1;
        });
        return cl;
    }

    static String firstLine(String s) {
        if (s == null) {
            return "error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        try {
            System.exit(commandLine().execute(args));
        } catch (OutOfMemoryError e) {
            // the size bounds keep every plan far below the heap; say it in one line should one not
            System.err.println("accessplan: out of memory (" + firstLine(e.getMessage()) + "); raise -Xmx in ACCESSPLAN_JAVA_OPTS");
            System.exit(1);
        }
    }
}
