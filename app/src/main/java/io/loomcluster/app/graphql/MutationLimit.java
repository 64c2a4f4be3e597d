package io.loomcluster.app.graphql;

import graphql.ExecutionResult;
import graphql.execution.AbortExecutionException;
import graphql.execution.ExecutionContext;
import graphql.execution.instrumentation.InstrumentationContext;
import graphql.execution.instrumentation.InstrumentationState;
import graphql.execution.instrumentation.SimpleInstrumentationContext;
import graphql.execution.instrumentation.SimplePerformantInstrumentation;
import graphql.execution.instrumentation.parameters.InstrumentationExecuteOperationParameters;
import graphql.language.Field;
import graphql.language.FragmentDefinition;
import graphql.language.FragmentSpread;
import graphql.language.InlineFragment;
import graphql.language.OperationDefinition;
import graphql.language.Selection;
import graphql.language.SelectionSet;

import java.util.Map;

/**
 * Refuses, before anything runs, a mutation operation with more than a few root fields: each alias
 * of {@code postMessage} is a post that fans out to webhooks and mentions, so without this one 64 KiB
 * request could carry a thousand of them. Fields reached through fragments count too; so do those
 * under {@code @skip}/{@code @include}, as if they ran.
 */
final class MutationLimit extends SimplePerformantInstrumentation {
    private final int max;

    MutationLimit(int max) {
        this.max = max;
    }

    @Override
    public InstrumentationContext<ExecutionResult> beginExecuteOperation(InstrumentationExecuteOperationParameters parameters,
                                                                         InstrumentationState state) {
        ExecutionContext context = parameters.getExecutionContext();
        OperationDefinition operation = context.getOperationDefinition();
        if (operation.getOperation() == OperationDefinition.Operation.MUTATION) {
            int count = rootFields(operation.getSelectionSet(), context.getFragmentsByName());
            if (count > max) {
                throw new AbortExecutionException("at most " + max + " mutations per request; this one has " + count);
            }
        }
        return SimpleInstrumentationContext.noOp();
    }

    // Validation (before execution) has refused fragment cycles, so this ends.
    static int rootFields(SelectionSet selections, Map<String, FragmentDefinition> fragments) {
        int count = 0;
        for (Selection<?> selection : selections.getSelections()) {
            switch (selection) {
                case Field field -> count += field.getName().startsWith("__") ? 0 : 1;
                case FragmentSpread spread -> {
                    FragmentDefinition fragment = fragments.get(spread.getName());
                    count += fragment == null ? 0 : rootFields(fragment.getSelectionSet(), fragments);
                }
                case InlineFragment inline -> count += rootFields(inline.getSelectionSet(), fragments);
                default -> { }
            }
        }
        return count;
    }
}
