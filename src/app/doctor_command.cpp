#include "app/doctor_command.hpp"

#include "doctor/advice.hpp"
#include "doctor/checks.hpp"
#include "doctor/report.hpp"
#include "doctor/target.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <string>

namespace tandem::app {
namespace {

struct DoctorFlags {
  std::string url;
  std::string origin;
  std::string token;
  bool json = false;
  bool quick = false;
  bool insecure = false;
  double timeout_seconds = 3;
  double poll_timeout_seconds = 40;
};

// CLI11 keeps pointers to the flags; they live as long as the process.
DoctorFlags& flags() {
  static DoctorFlags instance;
  return instance;
}

}  // namespace

void add_doctor_command(CLI::App& app) {
  DoctorFlags& f = flags();
  CLI::App* doctor = app.add_subcommand(
      "doctor",
      "Check a Tandem deployment the way a browser reaches it (through its proxy) and say which "
      "transport browsers will use and what to fix");
  doctor->add_option("url", f.url, "The server's public URL, e.g. https://notes.example.com")
      ->required();
  doctor->add_option("--origin", f.origin,
                     "Origin of the page that embeds Tandem [default: the URL's]");
  doctor->add_option("--token", f.token, "Access token (JWT), sent as Authorization: Bearer");
  doctor->add_flag("--json", f.json, "Print the report as JSON");
  doctor->add_flag("--quick", f.quick,
                   "Skip the held poll (which takes the server's whole hold, 25 s)");
  doctor->add_flag("--insecure", f.insecure,
                   "Do not verify the TLS certificate (self-signed test setups)");
  doctor
      ->add_option("--timeout", f.timeout_seconds,
                   "Seconds to wait for an upgrade, a first event or an answer")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  doctor->add_option("--poll-timeout", f.poll_timeout_seconds, "Seconds to wait for one held poll")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
}

int run_doctor_command(const CLI::App& app) {
  (void)app;
  const DoctorFlags& f = flags();
  auto target = doctor::parse_target(f.url);
  if (!target) {
    std::cerr << "tandem doctor: " << target.error() << "\n";
    return 3;
  }
  doctor::CheckOptions options;
  if (!f.origin.empty()) options.origin = f.origin;
  if (!f.token.empty()) options.token = f.token;
  options.timeout = doctor::Millis(static_cast<long long>(f.timeout_seconds * 1000));
  options.poll_timeout = doctor::Millis(static_cast<long long>(f.poll_timeout_seconds * 1000));
  options.hold_poll = !f.quick;
  options.verify_tls = !f.insecure;
  const doctor::Diagnosis diagnosis = doctor::run_checks(*target, options);
  const doctor::Advice advice = doctor::advise(diagnosis);
  std::cout << (f.json ? doctor::format_json(f.url, diagnosis, advice)
                       : doctor::format_text(f.url, diagnosis, advice));
  return advice.exit_code;
}

}  // namespace tandem::app
