// Some unrelated shared library that happens to be named like a plugin.
extern "C" int notAPluginAnswer()
{
	return 42;
}
