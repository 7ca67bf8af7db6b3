import PuntosCards
import PuntosRuntime

FunctionMain.run(RegisterCard())
