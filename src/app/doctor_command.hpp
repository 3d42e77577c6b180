#pragma once

namespace CLI {
class App;
}

namespace tandem::app {

// `tandem doctor URL`: checks a deployment the way a browser reaches it and says what to fix
// (docs/deploying.md). Exit code 0 when WebSocket works, 1 when only fallbacks work, 2 when
// nothing works, 3 on a usage error.
void add_doctor_command(CLI::App& app);
// Runs it when it was the subcommand given; returns the exit code.
int run_doctor_command(const CLI::App& app);

}  // namespace tandem::app
