// cocos-verifier entry point: all work happens in app::run.
#include <iostream>

#include "commands.h"

int main(int argc, char** argv) {
  return cocos::verifier::app::run(argc, argv, std::cout, std::cerr);
}
