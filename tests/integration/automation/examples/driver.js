// One Pulumi operation (preview, up or destroy) on stack `dev` of the TypeScript project in the
// current directory, through the Automation API with the project's compiled program
// (bin/index.js) as an inline program: the CLI calls back into this process, so no
// pulumi-language-nodejs is needed. Prints the operation's output; exits 1 when it fails.
//
// Usage: node driver.js <preview|up|destroy> <projectName>
"use strict";
const { createRequire } = require("node:module");
const path = require("node:path");

async function main() {
    const [op, projectName] = process.argv.slice(2);
    const workDir = process.cwd();
    // Resolved from the project, not from this file: the program and the SDK it imports must
    // share this @pulumi/pulumi, whose runtime state the inline program registers into.
    const projectRequire = createRequire(path.join(workDir, "package.json"));
    const { LocalWorkspace } = projectRequire("@pulumi/pulumi/automation");
    const program = async () => projectRequire(path.join(workDir, "bin", "index.js"));
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: "dev", projectName, program }, { workDir });
    const operations = {
        preview: () => stack.preview(),
        up: () => stack.up(),
        destroy: () => stack.destroy(),
    };
    if (!(op in operations)) {
        throw new Error(`unknown operation ${op}: preview, up or destroy`);
    }
    const result = await operations[op]();
    process.stdout.write(result.stdout);
}

main().catch((err) => {
    process.stderr.write(`automation driver: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
});
