from stockade_verify.cli import main

main()
